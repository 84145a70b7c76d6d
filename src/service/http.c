/* http.c - the HTTP/1.1 front of licvaultd (libmicrohttpd): one thread per
 * connection (a request may wait for the group commit without stalling
 * others), hard limits on connections, body size and time, answers queued
 * after the body (keeping connections alive), one log line per request. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/timeutil.h"
#include "service/svc.h"

struct lv__http {
  struct MHD_Daemon *d;
  lv__svc *s;
};

typedef struct req {
  lv__buf body;
  lv_status upload_rc; /* LV_E_TOO_LARGE, or LV_E_NOMEM: no room to hold it */
} req;

static void log_line(const char *method, const char *url, unsigned status, size_t in, size_t out) {
  char t[LV__TIME_STRLEN];
  lv__time_format(t, lv__time_now());
  /* logfmt: one line per request, machine-readable */
  fprintf(stderr, "ts=%s level=info msg=request method=%s path=\"%.200s\" status=%u in=%zu out=%zu\n",
          t, method, url, status, in, out);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **con_cls) {
  lv__http *h = cls;
  req *r = *con_cls;
  (void)version;
  if (!r) { /* first call: headers only; answering now would end keep-alive */
    if (!(r = lv__calloc(1, sizeof *r))) return MHD_NO;
    lv__buf_init(&r->body, LV__BODY_MAX);
    *con_cls = r;
    return MHD_YES;
  }
  if (*upload_size) {
    if (r->upload_rc == LV_OK) r->upload_rc = lv__buf_put(&r->body, upload, *upload_size);
    *upload_size = 0;
    return MHD_YES;
  }
  lv__answer a;
  memset(&a, 0, sizeof a);
  lv__buf_init(&a.body, 16u << 20);
  if (r->upload_rc < 0) {
    lv__svc_error(h->s, &a, r->upload_rc,
                  r->upload_rc == LV_E_TOO_LARGE ? "the request body is larger than 4 MiB"
                                                 : "the service is short of memory: retry");
  } else {
    const char *sig = MHD_lookup_connection_value(c, MHD_HEADER_KIND, LV__SIG_HEADER);
    lv__svc_handle(h->s, method, url, r->body.data, r->body.len, sig, &a);
  }
  struct MHD_Response *resp =
      MHD_create_response_from_buffer(a.body.len, a.body.data, MHD_RESPMEM_MUST_COPY);
  enum MHD_Result ok = MHD_NO;
  if (resp) {
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, a.ctype ? a.ctype : "text/plain");
    if (a.sig[0]) MHD_add_response_header(resp, LV__SIG_HEADER, a.sig);
    ok = MHD_queue_response(c, a.status, resp);
    MHD_destroy_response(resp);
  }
  if (!h->s->o.quiet) log_line(method, url, a.status, r->body.len, a.body.len);
  lv__buf_free(&a.body);
  return ok;
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
                    enum MHD_RequestTerminationCode toe) {
  (void)cls, (void)c, (void)toe;
  req *r = *con_cls;
  if (!r) return;
  lv__buf_free(&r->body);
  free(r);
  *con_cls = NULL;
}

static lv_status parse_listen(const char *s, struct sockaddr_in *sa) {
  char host[64];
  const char *colon = strrchr(s, ':');
  if (!colon || (size_t)(colon - s) >= sizeof host) return LV_E_INVALID_ARG;
  memcpy(host, s, (size_t)(colon - s));
  host[colon - s] = '\0';
  char *end;
  unsigned long port = strtoul(colon + 1, &end, 10);
  if (*end || end == colon + 1 || port > 65535) return LV_E_INVALID_ARG;
  memset(sa, 0, sizeof *sa);
  sa->sin_family = AF_INET;
  sa->sin_port = htons((uint16_t)port);
  return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? LV_OK : LV_E_INVALID_ARG;
}

lv_status lv__http_start(lv__http **out, lv__svc *s, uint16_t *port) {
  struct sockaddr_in sa;
  lv_status rc = parse_listen(s->o.listen ? s->o.listen : "127.0.0.1:0", &sa);
  if (rc < 0) return rc;
  lv__http *h = lv__calloc(1, sizeof *h);
  if (!h) return LV_E_NOMEM;
  h->s = s;
  h->d = MHD_start_daemon(
      MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL,
      NULL, on_request, h, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
      MHD_OPTION_CONNECTION_LIMIT, (unsigned)s->o.max_connections,
      MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)s->o.timeout_s,
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024), MHD_OPTION_NOTIFY_COMPLETED,
      on_done, h, MHD_OPTION_LISTEN_BACKLOG_SIZE, 256u, MHD_OPTION_END);
  if (!h->d) {
    free(h);
    return LV_E_IO; /* the port is taken, most often */
  }
  const union MHD_DaemonInfo *di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
  if (port) *port = di ? di->port : 0;
  *out = h;
  return LV_OK;
}

void lv__http_stop(lv__http *h) {
  if (!h) return;
  MHD_stop_daemon(h->d); /* joins every connection's thread */
  free(h);
}
