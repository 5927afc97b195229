/* The floor of the benchmark: what a receiver costs with no event loop and no runtime, and the
 * plain flood that feeds every receiver. Compiled by the harness with the system `cc`.
 *
 *   floor recv SECONDS [IDLE [WAIT_US [names]]]
 *                                  prints "ready PORT" (127.0.0.1), then `poll` + `recvmmsg` of
 *                                  64 until SECONDS after the first datagram, IDLE seconds (0.3)
 *                                  without one, or 10 s without any; one JSON line: count (after the first),
 *                                  wall (first to last datagram), cpu (getrusage, same span), rss,
 *                                  wakes (polls that returned ready). WAIT_US > 0: after a read
 *                                  that found 2 datagrams or more, the next read waits WAIT_US
 *                                  microseconds on a timerfd instead of the socket's readiness
 *                                  (interrupt moderation: fewer wakes, each datagram later);
 *                                  names: each read also asks for the senders' addresses (as
 *                                  a receiver that reports them must)
 *   floor uring SECONDS [IDLE]     the same receiver through io_uring instead (Linux 6.0 or later):
 *                                  one multishot `recvmsg` (senders' addresses included) into a
 *                                  ring of 1,024 provided buffers of 2 KiB, the kernel's
 *                                  deferred task work run by the one `io_uring_enter` that
 *                                  waits; wakes: enters that returned completions. No `poll`, no
 *                                  read per wake: what is left is the kernel's own receive work
 *   floor flood PORT SIZE SECONDS COUNT
 *                                  `sendmmsg` of 64 SIZE-byte datagrams to 127.0.0.1:PORT until
 *                                  COUNT are sent or SECONDS pass; one JSON line: count, wall, cpu,
 *                                  user (the user part of cpu)
 *   floor gso PORT SIZE SECONDS COUNT
 *                                  the same with `sendmsg` and UDP GSO, 64 datagrams per call
 *   floor echo SECONDS             prints "ready PORT", sends each datagram back to its sender
 *                                  (blocking `recvfrom`/`sendto`) until one says "quit" or
 *                                  SECONDS pass
 *   floor ping PORT SIZE COUNT     COUNT sequential round trips to 127.0.0.1:PORT (blocking, a
 *                                  reply missing for 1 s lost), then "quit"; one JSON line: p50,
 *                                  p99 (microseconds), count, lost, cpu_us (per round trip)
 *
 * Only ever sends to 127.0.0.1. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__) && defined(__has_include)
#if __has_include(<linux/io_uring.h>)
#include <errno.h>
#include <linux/io_uring.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#define HAVE_URING 1
#endif
#endif

#define BATCH 64
#define SLOT 65536
#define NOTHING 10.0
#define MAX_COUNT 1000000000ULL

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static double cpu(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6;
}

/* The user part of cpu() alone (the senders report it: the rest is the kernel's). */
static double user_cpu(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6;
}

static struct sockaddr_in loopback(int port) {
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

/* A receiver's count: datagrams after the first, the wall and CPU time from the first to the
 * last, and its wakes (each receiver says what a wake is). */
struct tally {
  unsigned long long count, wakes;
  double seconds, idle, begin, t0, c0, last;
};

static struct tally tally_new(double seconds, double idle) {
  struct tally w = {0, 0, seconds, idle, now(), 0, 0, 0};
  return w;
}

/* SECONDS after the first datagram, IDLE seconds without one, or NOTHING without any. */
static int tally_over(const struct tally *w) {
  double t = now();
  return (w->t0 == 0 && t - w->begin >= NOTHING) || (w->t0 > 0 && (t - w->t0 >= w->seconds || t - w->last >= w->idle)) ||
         w->count >= MAX_COUNT;
}

/* N datagrams (N > 0) just read; the first one starts the clocks. */
static void tally_add(struct tally *w, int n) {
  w->last = now();
  if (w->t0 == 0) {
    w->t0 = w->last;
    w->c0 = cpu();
    n -= 1;
  }
  w->count += (unsigned long long)n;
}

/* The one JSON line, `extra` (",\"name\":value..." or "") before its end. */
static void tally_report(const struct tally *w, const char *extra) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  printf("{\"count\":%llu,\"wall\":%f,\"cpu\":%f,\"rss\":%ld,\"wakes\":%llu%s}\n", w->count,
         w->t0 > 0 ? w->last - w->t0 : 0.0, w->t0 > 0 ? cpu() - w->c0 : 0.0, u.ru_maxrss * 1024L, w->wakes, extra);
}

/* A receiving socket on 127.0.0.1 (a port of the system's choice, in *port) with a 4 MiB
 * receive buffer; -1 (with the system's error printed after `what`) when that fails. */
static int receiving_socket(int type, const char *what, int *port) {
  int fd = socket(AF_INET, type, 0);
  int size = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  struct sockaddr_in a = loopback(0);
  socklen_t len = sizeof a;
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
    perror(what);
    return -1;
  }
  *port = ntohs(a.sin_port);
  return fd;
}

static int recv_loop(double seconds, double idle, long wait_us, int names) {
  int port;
  int fd = receiving_socket(SOCK_DGRAM | SOCK_NONBLOCK, "floor recv", &port);
  if (fd < 0)
    return 1;
  printf("ready %d\n", port);
  fflush(stdout);
  static char bufs[BATCH][SLOT];
  struct iovec iov[BATCH];
  struct mmsghdr msgs[BATCH];
  static struct sockaddr_storage from[BATCH];
  for (int i = 0; i < BATCH; i++) {
    iov[i].iov_base = bufs[i];
    iov[i].iov_len = SLOT;
    memset(&msgs[i], 0, sizeof msgs[i]);
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  int timer = wait_us > 0 ? timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK) : -1;
  struct itimerspec wait = {{0, 0}, {wait_us / 1000000, (wait_us % 1000000) * 1000}};
  int waiting = 0;
  struct tally w = tally_new(seconds, idle);
  while (!tally_over(&w)) {
    struct pollfd p = {waiting ? timer : fd, POLLIN, 0};
    if (poll(&p, 1, 20) <= 0)
      continue;
    if (w.t0 > 0)
      w.wakes++;
    if (waiting) {
      uint64_t fired;
      ssize_t r = read(timer, &fired, sizeof fired);
      (void)r;
      waiting = 0;
    }
    /* (Waiting: on until a read comes back short, since the queue grew meanwhile.) */
    int n = 0, r;
    do {
      for (int i = 0; names && i < BATCH; i++) {
        msgs[i].msg_hdr.msg_name = &from[i];
        msgs[i].msg_hdr.msg_namelen = sizeof from[i];
      }
      r = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
      if (r > 0)
        n += r;
    } while (timer >= 0 && r == BATCH);
    if (n <= 0)
      continue;
    if (timer >= 0 && n >= 2 && timerfd_settime(timer, 0, &wait, NULL) == 0)
      waiting = 1;
    tally_add(&w, n);
  }
  tally_report(&w, "");
  return 0;
}

#ifdef HAVE_URING
#define URING_BUFS 1024
#define URING_SLOT 2048

/* Queues the multishot receive of `fd` (the next enter submits it); returns 1, the entries
 * queued. */
static unsigned uring_arm(struct io_uring_sqe *sqes, unsigned *sq_tail, unsigned *sq_array, unsigned sq_mask, int fd,
                          struct msghdr *mh) {
  unsigned t = *sq_tail;
  struct io_uring_sqe *q = &sqes[t & sq_mask];
  memset(q, 0, sizeof *q);
  q->opcode = IORING_OP_RECVMSG;
  q->fd = fd;
  q->addr = (unsigned long)mh;
  q->len = 1;
  q->ioprio = IORING_RECV_MULTISHOT;
  q->flags = IOSQE_BUFFER_SELECT;
  q->buf_group = 0;
  sq_array[t & sq_mask] = t & sq_mask;
  __atomic_store_n(sq_tail, t + 1, __ATOMIC_RELEASE);
  return 1;
}

/* A multishot recvmsg into provided buffers, waited for with io_uring_enter: the receive loop
 * with the fewest system calls Linux offers (see the usage above). */
static int recv_uring(double seconds, double idle) {
  int port;
  int fd = receiving_socket(SOCK_DGRAM, "floor uring", &port);
  if (fd < 0)
    return 1;
  struct io_uring_params p;
  memset(&p, 0, sizeof p);
  p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_CQSIZE;
  p.cq_entries = 4096;
  int ring = (int)syscall(__NR_io_uring_setup, 8, &p);
  if (ring < 0 || !(p.features & IORING_FEAT_SINGLE_MMAP) || !(p.features & IORING_FEAT_EXT_ARG)) {
    perror("floor uring: io_uring_setup (Linux 6.1 or later)");
    return 1;
  }
  size_t sq_size = p.sq_off.array + p.sq_entries * sizeof(unsigned);
  size_t cq_size = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
  size_t rings_size = sq_size > cq_size ? sq_size : cq_size;
  char *rings = mmap(NULL, rings_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQ_RING);
  struct io_uring_sqe *sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
                                   MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQES);
  struct io_uring_buf_ring *br = mmap(NULL, URING_BUFS * sizeof(struct io_uring_buf), PROT_READ | PROT_WRITE,
                                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  char *bufs = malloc((size_t)URING_BUFS * URING_SLOT);
  if (rings == MAP_FAILED || sqes == MAP_FAILED || br == MAP_FAILED || !bufs) {
    perror("floor uring: mmap");
    return 1;
  }
  unsigned *sq_tail = (unsigned *)(rings + p.sq_off.tail), *sq_array = (unsigned *)(rings + p.sq_off.array);
  unsigned sq_mask = *(unsigned *)(rings + p.sq_off.ring_mask);
  unsigned *cq_head = (unsigned *)(rings + p.cq_off.head), *cq_tail = (unsigned *)(rings + p.cq_off.tail);
  unsigned cq_mask = *(unsigned *)(rings + p.cq_off.ring_mask);
  struct io_uring_cqe *cqes = (struct io_uring_cqe *)(rings + p.cq_off.cqes);
  struct io_uring_buf_reg reg;
  memset(&reg, 0, sizeof reg);
  reg.ring_addr = (unsigned long)br;
  reg.ring_entries = URING_BUFS;
  reg.bgid = 0;
  if (syscall(__NR_io_uring_register, ring, IORING_REGISTER_PBUF_RING, &reg, 1) < 0) {
    perror("floor uring: provided buffers (Linux 5.19 or later)");
    return 1;
  }
  for (int i = 0; i < URING_BUFS; i++) {
    br->bufs[i].addr = (unsigned long)(bufs + (size_t)i * URING_SLOT);
    br->bufs[i].len = URING_SLOT;
    br->bufs[i].bid = (unsigned short)i;
  }
  unsigned short buf_tail = URING_BUFS;
  __atomic_store_n(&br->tail, buf_tail, __ATOMIC_RELEASE);
  struct msghdr mh;
  memset(&mh, 0, sizeof mh);
  mh.msg_namelen = sizeof(struct sockaddr_in);
  unsigned to_submit = 0;
  to_submit += uring_arm(sqes, sq_tail, sq_array, sq_mask, fd, &mh);
  printf("ready %d\n", port);
  fflush(stdout);
  unsigned long long truncated = 0;
  struct tally w = tally_new(seconds, idle);
  while (!tally_over(&w)) {
    struct __kernel_timespec ts = {0, 20000000};
    struct io_uring_getevents_arg arg;
    memset(&arg, 0, sizeof arg);
    arg.sigmask_sz = _NSIG / 8;
    arg.ts = (unsigned long)&ts;
    long r = syscall(__NR_io_uring_enter, ring, to_submit, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &arg,
                     sizeof arg);
    if (r < 0 && errno != ETIME && errno != EINTR && errno != EBUSY) {
      perror("floor uring: io_uring_enter");
      return 1;
    }
    if (r >= 0)
      to_submit = 0;
    unsigned head = *cq_head, tail = __atomic_load_n(cq_tail, __ATOMIC_ACQUIRE);
    if (head == tail)
      continue;
    int n = 0, rearm = 0;
    for (; head != tail; head++) {
      struct io_uring_cqe *cqe = &cqes[head & cq_mask];
      if (!(cqe->flags & IORING_CQE_F_MORE))
        rearm = 1;
      if (cqe->res < 0 || !(cqe->flags & IORING_CQE_F_BUFFER))
        continue; /* (ENOBUFS: every buffer was taken; the receive is queued again below.) */
      unsigned short bid = (unsigned short)(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
      char *b = bufs + (size_t)bid * URING_SLOT;
      struct io_uring_recvmsg_out *o = (struct io_uring_recvmsg_out *)b;
      if (o->flags & MSG_TRUNC)
        truncated++;
      n++;
      br->bufs[buf_tail & (URING_BUFS - 1)].addr = (unsigned long)b;
      br->bufs[buf_tail & (URING_BUFS - 1)].len = URING_SLOT;
      br->bufs[buf_tail & (URING_BUFS - 1)].bid = bid;
      buf_tail++;
    }
    __atomic_store_n(&br->tail, buf_tail, __ATOMIC_RELEASE);
    __atomic_store_n(cq_head, head, __ATOMIC_RELEASE);
    if (rearm)
      to_submit += uring_arm(sqes, sq_tail, sq_array, sq_mask, fd, &mh);
    if (n == 0)
      continue;
    if (w.t0 > 0)
      w.wakes++;
    tally_add(&w, n);
  }
  char extra[64];
  snprintf(extra, sizeof extra, ",\"truncated\":%llu", truncated);
  tally_report(&w, extra);
  return 0;
}
#endif

static int flood(int port, int size, double seconds, unsigned long long total) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in to = loopback(port);
  if (fd < 0 || port <= 0 || port > 65535 || size < 0 || size > 65507) {
    fprintf(stderr, "floor flood: bad arguments\n");
    return 1;
  }
  char *payload = malloc((size_t)size + 1);
  memset(payload, 7, (size_t)size + 1);
  struct iovec iov = {payload, (size_t)size};
  struct mmsghdr msgs[BATCH];
  for (int i = 0; i < BATCH; i++) {
    memset(&msgs[i], 0, sizeof msgs[i]);
    msgs[i].msg_hdr.msg_name = &to;
    msgs[i].msg_hdr.msg_namelen = sizeof to;
    msgs[i].msg_hdr.msg_iov = &iov;
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  unsigned long long sent = 0;
  double t0 = now(), c0 = cpu(), u0 = user_cpu();
  while (sent < total && now() - t0 < seconds) {
    unsigned long long left = total - sent;
    int n = sendmmsg(fd, msgs, left < BATCH ? (unsigned)left : BATCH, 0);
    if (n > 0)
      sent += (unsigned long long)n;
  }
  printf("{\"count\":%llu,\"wall\":%f,\"cpu\":%f,\"user\":%f}\n", sent, now() - t0, cpu() - c0, user_cpu() - u0);
  free(payload);
  return 0;
}

/* 64 datagrams per `sendmsg`, cut by the kernel (UDP GSO). */
static int flood_gso(int port, int size, double seconds, unsigned long long total) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in to = loopback(port);
  if (fd < 0 || port <= 0 || port > 65535 || size <= 0 || size * BATCH > 65507) {
    fprintf(stderr, "floor gso: bad arguments\n");
    return 1;
  }
  char *payload = malloc((size_t)size * BATCH);
  memset(payload, 7, (size_t)size * BATCH);
  uint16_t seg = (uint16_t)size;
  union {
    char buf[CMSG_SPACE(sizeof(uint16_t))];
    struct cmsghdr align;
  } control;
  unsigned long long sent = 0;
  double t0 = now(), c0 = cpu(), u0 = user_cpu();
  while (sent < total && now() - t0 < seconds) {
    unsigned long long left = total - sent;
    unsigned n = left < BATCH ? (unsigned)left : BATCH;
    struct iovec iov = {payload, (size_t)size * n};
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_name = &to;
    m.msg_namelen = sizeof to;
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    if (n > 1) {
      memset(&control, 0, sizeof control);
      m.msg_control = control.buf;
      m.msg_controllen = sizeof control.buf;
      struct cmsghdr *c = CMSG_FIRSTHDR(&m);
      c->cmsg_level = SOL_UDP;
      c->cmsg_type = UDP_SEGMENT;
      c->cmsg_len = CMSG_LEN(sizeof seg);
      memcpy(CMSG_DATA(c), &seg, sizeof seg);
    }
    if (sendmsg(fd, &m, 0) > 0)
      sent += n;
  }
  printf("{\"count\":%llu,\"wall\":%f,\"cpu\":%f,\"user\":%f}\n", sent, now() - t0, cpu() - c0, user_cpu() - u0);
  free(payload);
  return 0;
}

static int echo(double seconds) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a = loopback(0);
  socklen_t len = sizeof a;
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
    perror("floor echo");
    return 1;
  }
  struct timeval tick = {0, 100000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof tick);
  printf("ready %d\n", ntohs(a.sin_port));
  fflush(stdout);
  static char buf[SLOT];
  double t0 = now();
  while (now() - t0 < seconds) {
    struct sockaddr_in from;
    socklen_t flen = sizeof from;
    ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen);
    if (n < 0)
      continue;
    if (n == 4 && memcmp(buf, "quit", 4) == 0)
      break;
    sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, flen);
  }
  return 0;
}

static int cmp_double(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return a < b ? -1 : a > b;
}

static int ping(int port, int size, int total) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in to = loopback(port);
  if (fd < 0 || port <= 0 || port > 65535 || size < 0 || size > 65507 || total <= 0 || total > 10000000) {
    fprintf(stderr, "floor ping: bad arguments\n");
    return 1;
  }
  struct timeval second = {1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &second, sizeof second);
  char *payload = malloc((size_t)size + 1);
  memset(payload, 1, (size_t)size + 1);
  static char buf[SLOT];
  double *rtts = malloc(sizeof(double) * (size_t)total);
  int got = 0, lost = 0;
  double c0 = cpu();
  while (got + lost < total) {
    double t = now();
    sendto(fd, payload, (size_t)size, 0, (struct sockaddr *)&to, sizeof to);
    if (recv(fd, buf, sizeof buf, 0) < 0)
      lost++;
    else
      rtts[got++] = (now() - t) * 1e6;
  }
  double used = cpu() - c0;
  sendto(fd, "quit", 4, 0, (struct sockaddr *)&to, sizeof to);
  qsort(rtts, (size_t)got, sizeof(double), cmp_double);
  printf("{\"p50\":%f,\"p99\":%f,\"count\":%d,\"lost\":%d,\"cpu_us\":%f}\n", got ? rtts[got / 2] : 0.0,
         got ? rtts[(int)(got * 0.99)] : 0.0, got, lost, used * 1e6 / (got ? got : 1));
  free(rtts);
  free(payload);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 3 && strcmp(argv[1], "recv") == 0)
    return recv_loop(atof(argv[2]), argc >= 4 ? atof(argv[3]) : 0.3, argc >= 5 ? atol(argv[4]) : 0,
                     argc >= 6 && strcmp(argv[5], "names") == 0);
  if (argc >= 3 && strcmp(argv[1], "uring") == 0) {
#ifdef HAVE_URING
    return recv_uring(atof(argv[2]), argc >= 4 ? atof(argv[3]) : 0.3);
#else
    fprintf(stderr, "floor uring: built without <linux/io_uring.h>\n");
    return 1;
#endif
  }
  if (argc >= 6 && strcmp(argv[1], "flood") == 0)
    return flood(atoi(argv[2]), atoi(argv[3]), atof(argv[4]), strtoull(argv[5], NULL, 10));
  if (argc >= 6 && strcmp(argv[1], "gso") == 0)
    return flood_gso(atoi(argv[2]), atoi(argv[3]), atof(argv[4]), strtoull(argv[5], NULL, 10));
  if (argc >= 3 && strcmp(argv[1], "echo") == 0)
    return echo(atof(argv[2]));
  if (argc >= 5 && strcmp(argv[1], "ping") == 0)
    return ping(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
  fprintf(stderr, "usage: floor recv SECONDS [IDLE [WAIT_US [names]]] | floor flood|gso PORT SIZE SECONDS COUNT | floor echo SECONDS"
                  " | floor ping PORT SIZE COUNT\n");
  return 2;
}
