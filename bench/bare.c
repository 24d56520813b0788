/*
 * bare.c — the baseline of the benchmark: read a capture with libpcap and do nothing with it.
 *
 *   bare FILE
 *
 * pcap_dispatch with an empty callback over the whole file, then prints the number of packets.
 * icmphound cannot read a file faster than this; bench/run.sh reports its speed as a ratio to it.
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	(void)user;
	(void)h;
	(void)bytes;
}

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	if (argc != 2) {
		fprintf(stderr, "usage: bare FILE\n");
		return 1;
	}
	pcap_t *p = pcap_open_offline(argv[1], err);
	if (!p) {
		fprintf(stderr, "bare: %s\n", err);
		return 2;
	}
	uint64_t packets = 0;
	int n;
	while ((n = pcap_dispatch(p, -1, on_packet, NULL)) > 0)
		packets += (uint64_t)n;
	if (n == PCAP_ERROR) {
		fprintf(stderr, "bare: %s: %s\n", argv[1], pcap_geterr(p));
		pcap_close(p);
		return 3;
	}
	pcap_close(p);
	printf("%llu\n", (unsigned long long)packets);
	return 0;
}
