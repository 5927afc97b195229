/* The floor of the benchmark: what a receiver costs with no event loop and no runtime, and the
 * plain flood that feeds every receiver. Compiled by the harness with the system `cc`.
 *
 *   floor recv SECONDS [IDLE]      prints "ready PORT" (127.0.0.1), then `poll` + `recvmmsg` of
 *                                  64 until SECONDS after the first datagram, IDLE seconds (0.3)
 *                                  without one, or 10 s without any; one JSON line: count (after the first),
 *                                  wall (first to last datagram), cpu (getrusage, same span), rss
 *   floor flood PORT SIZE SECONDS COUNT
 *                                  `sendmmsg` of 64 SIZE-byte datagrams to 127.0.0.1:PORT until
 *                                  COUNT are sent or SECONDS pass; one JSON line: count, wall, cpu
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
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

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

static struct sockaddr_in loopback(int port) {
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

static int recv_loop(double seconds, double idle) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  int size = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  struct sockaddr_in a = loopback(0);
  socklen_t len = sizeof a;
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
    perror("floor recv");
    return 1;
  }
  printf("ready %d\n", ntohs(a.sin_port));
  fflush(stdout);
  static char bufs[BATCH][SLOT];
  struct iovec iov[BATCH];
  struct mmsghdr msgs[BATCH];
  for (int i = 0; i < BATCH; i++) {
    iov[i].iov_base = bufs[i];
    iov[i].iov_len = SLOT;
    memset(&msgs[i], 0, sizeof msgs[i]);
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  unsigned long long count = 0;
  double begin = now(), t0 = 0, c0 = 0, last = 0;
  struct pollfd p = {fd, POLLIN, 0};
  for (;;) {
    double t = now();
    if ((t0 == 0 && t - begin >= NOTHING) || (t0 > 0 && (t - t0 >= seconds || t - last >= idle)) || count >= MAX_COUNT)
      break;
    if (poll(&p, 1, 20) <= 0)
      continue;
    int n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
    if (n <= 0)
      continue;
    last = now();
    if (t0 == 0) {
      t0 = last;
      c0 = cpu();
      n -= 1;
    }
    count += (unsigned long long)n;
  }
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  printf("{\"count\":%llu,\"wall\":%f,\"cpu\":%f,\"rss\":%ld}\n", count, t0 > 0 ? last - t0 : 0.0, t0 > 0 ? cpu() - c0 : 0.0,
         u.ru_maxrss * 1024L);
  return 0;
}

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
  double t0 = now(), c0 = cpu();
  while (sent < total && now() - t0 < seconds) {
    unsigned long long left = total - sent;
    int n = sendmmsg(fd, msgs, left < BATCH ? (unsigned)left : BATCH, 0);
    if (n > 0)
      sent += (unsigned long long)n;
  }
  printf("{\"count\":%llu,\"wall\":%f,\"cpu\":%f}\n", sent, now() - t0, cpu() - c0);
  free(payload);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 3 && strcmp(argv[1], "recv") == 0)
    return recv_loop(atof(argv[2]), argc >= 4 ? atof(argv[3]) : 0.3);
  if (argc >= 6 && strcmp(argv[1], "flood") == 0)
    return flood(atoi(argv[2]), atoi(argv[3]), atof(argv[4]), strtoull(argv[5], NULL, 10));
  fprintf(stderr, "usage: floor recv SECONDS [IDLE] | floor flood PORT SIZE SECONDS COUNT\n");
  return 2;
}
