/*
 * ctx_socket_test - milter/callbacks.c tcp_socket_of() reads libmilter's
 * private context only where the layout is known, and falls back to -1
 * (no quick ACKs) whenever the bytes do not hold exactly one connected
 * TCP socket: it never hands back a wrong descriptor.  Fake contexts
 * are built in a zeroed buffer, with real sockets.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../milter/callbacks.c"
#include "tap.h"

/* the daemon's; not called here */
struct config *
current_config(void)
{
	return NULL;
}

static union {
	unsigned char	bytes[512];	/* more than any struct smfi_str */
	long double	align;
} ctx;

/* wide_ctx - a context in sendmail's layout: pthread_t id, int sd */
static SMFICTX *
wide_ctx(pthread_t id, int sd)
{
	struct ctx_head_wide h;

	memset(&ctx, 0, sizeof(ctx));
	memset(&h, 0, sizeof(h));
	h.id = id;
	h.sd = sd;
	memcpy(ctx.bytes, &h, sizeof(h));
	return (SMFICTX *)ctx.bytes;
}

/* narrow_ctx - a context whose ctx_id is an unsigned int */
static SMFICTX *
narrow_ctx(unsigned int id, int sd)
{
	struct ctx_head_narrow h;

	memset(&ctx, 0, sizeof(ctx));
	memset(&h, 0, sizeof(h));
	h.id = id;
	h.sd = sd;
	memcpy(ctx.bytes, &h, sizeof(h));
	return (SMFICTX *)ctx.bytes;
}

/* idle - a thread that ends at once: its id is not ours */
static void *
idle(void *arg)
{
	return arg;
}

/*
 * ambiguous - both layouts read a connected TCP socket, different ones:
 * trust neither.  In sendmail's layout with our thread id, the unsigned
 * int layout's socket is the id's high half; put a socket there.
 */
static void
ambiguous(int afd, int cfd)
{
	pthread_t self = pthread_self();
	struct ctx_head_narrow n;
	struct rlimit rl;
	int hi;

	wide_ctx(self, afd);
	memcpy(&n, ctx.bytes, sizeof(n));
	hi = n.sd;
	if (offsetof(struct ctx_head_narrow, sd) ==
	    offsetof(struct ctx_head_wide, sd) || hi <= 2 ||
	    getrlimit(RLIMIT_NOFILE, &rl) != 0 ||
	    ((rlim_t)hi >= rl.rlim_cur && ((rlim_t)hi >= rl.rlim_max ||
	    (rl.rlim_cur = (rlim_t)hi + 1, setrlimit(RLIMIT_NOFILE, &rl)) !=
	    0)) || dup2(cfd, hi) != hi) {
		ok(1, "two layouts, two sockets: -1 # skip cannot place a "
		    "socket at descriptor %d", hi);
		return;
	}
	is_int(tcp_socket_of(wide_ctx(self, afd)), -1,
	    "two layouts, two different sockets: -1, trust neither");
	close(hi);
}

int
main(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int lfd, cfd, afd, udp, pair[2], closed;
	pthread_t other;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	cfd = socket(AF_INET, SOCK_STREAM, 0);
	udp = socket(AF_INET, SOCK_DGRAM, 0);
	if (lfd < 0 || cfd < 0 || udp < 0 ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(lfd, 1) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len) != 0 ||
	    connect(cfd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    (afd = accept(lfd, NULL, NULL)) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0 ||
	    (closed = dup(udp)) < 0 || close(closed) != 0 ||
	    pthread_create(&other, NULL, idle, NULL) != 0) {
		printf("Bail out! cannot make the test sockets\n");
		return 1;
	}
	pthread_join(other, NULL);

	is_int(tcp_socket_of(wide_ctx(0, afd)), afd,
	    "sendmail layout, id 0 (Debian): the connection");
	is_int(tcp_socket_of(wide_ctx(pthread_self(), afd)), afd,
	    "sendmail layout, our thread id: the connection");
	is_int(tcp_socket_of(wide_ctx(other, afd)), -1,
	    "sendmail layout, another thread's id: not trusted");
	is_int(tcp_socket_of(narrow_ctx(7, afd)), afd,
	    "unsigned int ctx_id layout: the connection at its offset");
	is_int(tcp_socket_of(wide_ctx(0, lfd)), -1,
	    "a listening socket is not a connection");
	is_int(tcp_socket_of(wide_ctx(0, udp)), -1, "a UDP socket is refused");
	is_int(tcp_socket_of(wide_ctx(0, pair[0])), -1,
	    "a Unix socket is refused (no quick ACK to give)");
	is_int(tcp_socket_of(wide_ctx(0, closed)), -1,
	    "a closed descriptor is refused");
	is_int(tcp_socket_of(wide_ctx(0, 0)), -1, "stdin is refused");
	is_int(tcp_socket_of(wide_ctx(0, -1)), -1, "-1 is refused");
	memset(&ctx, 0xa5, sizeof(ctx));
	is_int(tcp_socket_of((SMFICTX *)ctx.bytes), -1,
	    "a layout of garbage: -1");
	/*
	 * Bytes in the unsigned int layout (id 0, socket at offset 4) read
	 * in sendmail's layout give an id that is neither 0 nor ours.
	 */
	is_int(tcp_socket_of(narrow_ctx(0, cfd)), cfd,
	    "the unsigned int layout is not misread as sendmail's");
	ambiguous(afd, cfd);
	close(afd);
	close(cfd);
	close(lfd);
	close(udp);
	close(pair[0]);
	close(pair[1]);
	return tap_done();
}
