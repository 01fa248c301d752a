/*
 * NAME
 *	check_render - authmilter-check's readable report of one domain
 * SYNOPSIS
 *	#include "check_render.h"
 *
 *	void check_render(FILE *fp, const json_t *report, int blank);
 * DESCRIPTION
 *	check_render() writes the JSON tree of one domain (check.h) as
 *	text: a title line with the domain's status, then one section per
 *	area (SPF with its include/redirect tree, DKIM per selector,
 *	DMARC, TLS-RPT, MX and TLS, MTA-STS), each finding on its own line
 *	as "SEVERITY  text" with its fix below.  A blank line first when
 *	blank is set (between domains).  Text from the network is written
 *	as printable ASCII ('?' for other bytes), so a hostile record
 *	cannot drive the terminal.
 */
#ifndef AUTHMILTER_CHECK_RENDER_H
#define AUTHMILTER_CHECK_RENDER_H

#include <stdio.h>

#include <jansson.h>

void	check_render(FILE *, const json_t *, int);

#endif
