/* store_open.h — opening and closing a store in a cmocka test, failing the test with the
 * store's message. Include after <cmocka.h> and "store/store.h". */
#ifndef IH_TEST_STORE_OPEN_H
#define IH_TEST_STORE_OPEN_H

/* batch_rows: the store's batching (0: its default). */
static inline struct ih_store *open_store_rows(const char *target, const char *sensor, unsigned batch_rows)
{
	struct ih_store_opts o = { .sensor = sensor, .backoff_ms = 20, .batch_rows = batch_rows };
	char err[512];
	struct ih_store *s = ih_store_open(target, &o, err, sizeof(err));
	if (!s)
		fail_msg("open %s: %s", target, err);
	return s;
}

static inline void close_store(struct ih_store *s)
{
	char err[512];
	if (!ih_store_close(s, err, sizeof(err)))
		fail_msg("close: %s", err);
}

#endif
