/*
 * bare.c — the baseline of the benchmark: read a capture with libpcap and do nothing with it.
 *
 *   bare [-b BYTES] FILE
 *
 * pcap_dispatch with an empty callback over the whole file, then prints the number of packets.
 * bench/run.sh reports every program's speed as a ratio to this loop as libpcap opens a file
 * (pcap_open_offline: stdio's default 4 KB buffer). With -b the file is opened here with a
 * stdio buffer of BYTES (pcap_fopen_offline), as icmphound opens it (64 KB): the same loop
 * with fewer read(2) calls, printed beside it so that the two can be told apart.
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	(void)user;
	(void)h;
	(void)bytes;
}

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	size_t bufsize = 0;
	if (argc == 4 && strcmp(argv[1], "-b") == 0) {
		bufsize = strtoul(argv[2], NULL, 10);
		argv += 2;
		argc -= 2;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: bare [-b BYTES] FILE\n");
		return 1;
	}
	pcap_t *p = NULL;
	char *buf = NULL;
	if (bufsize) {
		FILE *fp = fopen(argv[1], "rb");
		if (!fp) {
			perror(argv[1]);
			return 2;
		}
		if ((buf = malloc(bufsize)))
			setvbuf(fp, buf, _IOFBF, bufsize);
		p = pcap_fopen_offline(fp, err);
		if (!p)
			fclose(fp);
	} else {
		p = pcap_open_offline(argv[1], err);
	}
	if (!p) {
		fprintf(stderr, "bare: %s\n", err);
		free(buf);
		return 2;
	}
	uint64_t packets = 0;
	int n;
	while ((n = pcap_dispatch(p, -1, on_packet, NULL)) > 0)
		packets += (uint64_t)n;
	if (n == PCAP_ERROR) {
		fprintf(stderr, "bare: %s: %s\n", argv[1], pcap_geterr(p));
		pcap_close(p);
		free(buf);
		return 3;
	}
	pcap_close(p);
	free(buf);
	printf("%llu\n", (unsigned long long)packets);
	return 0;
}
