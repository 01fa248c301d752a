/*
 * NAME
 *	config - authmilter.conf: read once, immutable, swapped on reload
 * SYNOPSIS
 *	#include "config.h"
 *
 *	struct config *config_load(const char *path, struct strbuf *errors);
 *	void config_ref(struct config *cf);
 *	void config_unref(struct config *cf);
 * DESCRIPTION
 *	The file has one "Keyword value" a line; '#' starts a comment;
 *	keywords compare case-insensitively; values run to the end of
 *	the line (trailing white space removed).  Every keyword is
 *	described in authmilter.conf(5).
 *
 *	config_load() reads the file and the Domains table it names, and
 *	validates everything.  On error it returns NULL and appends one
 *	line per error to errors: "PATH:LINE: Keyword: message" (for the
 *	table, table_load()'s lines).  Every error is reported, not only
 *	the first.  Unknown keywords and repeated keywords are errors.
 *	Defaults are applied for every keyword not given.  A missing
 *	Nameservers reads /etc/resolv.conf (127.0.0.1 port 53 if it names
 *	no server).  A relative Domains path is taken from the directory
 *	of the config file (cf->domains_path holds the resolved one).
 *	"AuthservID HOSTNAME" (OpenDKIM's spelling) means the host name;
 *	"InternalHosts none" gives an empty list.  config_load() never
 *	opens a socket nor asks DNS.
 *
 *	A loaded config is never changed.  It starts with one reference;
 *	config_unref() of the last reference frees it together with its
 *	table (and the signing keys it loaded) and, if the daemon attached
 *	them, its dns_ctx cf->resolver (so every dns client made from it
 *	must be freed before the last unref) and its dkim_engine cf->dkim.
 *
 *	The table is read after the whole file, so that RequireSafeKeys
 *	applies wherever it stands; with DKIMSign yes every key it names is
 *	loaded and checked then.
 *	config_ref() and config_unref() are thread-safe.
 */
#ifndef AUTHMILTER_CONFIG_H
#define AUTHMILTER_CONFIG_H

#include <stdatomic.h>

#include "cidr.h"
#include "config_metrics.h"
#include "config_report.h"
#include "dkim_sign.h"
#include "dkim_verify.h"
#include "dns.h"
#include "table.h"
#include "util.h"

#define CONFIG_DEFAULT_PATH	"/etc/authmilter.conf"
#define CONFIG_EXIT_BAD		78	/* EX_CONFIG */
#define CONFIG_DNS_MESSAGE_MS	8000	/* DNSMessageTimeout default */

struct config {
	char		 *path;
	char		 *socket;	/* Socket, default unix:/run/authmilter/authmilter.sock */
	char		 *authserv_id;	/* AuthservID, default: host name */
	char		 *domains_path;	/* Domains, NULL if none */
	struct table	 *table;	/* loaded Domains, NULL if none */
	struct dns_options dns_opts;	/* Nameservers, DNSTimeout, DNSTries, DNSCacheSize, DNSCacheBytes, DNSFailureTTL */
	long		  dns_message_ms; /* DNSMessageTimeout, default 8 s */
	struct cidr_list  internal_hosts; /* InternalHosts, default 127.0.0.1 ::1 */
	char		**sign_daemons;	/* SignDaemons, NULL-terminated */
	int		  spf;		/* SPF, default yes */
	int		  dkim_verify;	/* DKIMVerify, default yes */
	int		  dkim_sign;	/* DKIMSign, default yes */
	int		  dmarc;	/* DMARC, default yes */
	struct dkim_verify_opts dkim_verify_opts; /* MaximumSignaturesToVerify, MinimumKeyBits */
	struct dkim_sign_opts dkim_sign_opts;	/* Canonicalization, SignHeaders, OversignHeaders, SignatureTTL */
	char		**sign_headers;	/* SignHeaders, NULL: the default list */
	char		**oversign_headers; /* OversignHeaders, default From */
	int		  require_safe_keys; /* RequireSafeKeys, default yes */
	int		  hold_quarantined; /* HoldQuarantinedMessages, default no */
	int		  reject_multi_from; /* RejectMultiValueFrom, default no */
	int		  reject_failures; /* RejectFailures, default yes */
	int		  temporary_failures; /* TemporaryFailures, default no */
	int		  bad_from_reject; /* BadFromAction, default reject */
	struct cidr_list  trusted_forwarder_addrs; /* TrustedForwarders */
	char		**trusted_forwarder_names; /* ...host names, NULL-terminated */
	char		 *user_id;	/* UserID, NULL: stay as started */
	char		 *pid_file;	/* PidFile, NULL: none */
	int		  syslog;	/* Syslog, default yes */
	int		  syslog_facility; /* SyslogFacility, default mail */
	int		  log_level;	/* LogLevel, default info */
	int		  umask;	/* UMask, default 007 */
	struct report_config report;	/* DMARCReports, Report* (config_report.h) */
	struct metrics_config metrics;	/* MetricsListen (config_metrics.h) */
	struct dns_ctx	 *resolver;	/* attached by the daemon, may be NULL */
	struct dkim_engine *dkim;	/* attached by the daemon, may be NULL */
	atomic_int	  refs;
};

struct config	*config_load(const char *, struct strbuf *);
void		 config_ref(struct config *);
void		 config_unref(struct config *);

#endif
