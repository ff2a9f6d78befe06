/*
 * patch.h: what patch.c (the incremental run) and patch_index.c (its
 * index and files) share; private to zonegen/.
 */
#ifndef ZONEGEN_PATCH_H
#define ZONEGEN_PATCH_H

#include <pthread.h>
#include <sys/stat.h>

#include "zonegen.h"

#define INDEX_MAGIC	"ZGINDEX1"
#define NAME_BUF	((sizeof(struct dname) + DNAME_WIRE_MAX + DNAME_KEY_MAX + 7) & ~(size_t)7)
#define RRSIG_EXPIRE_AT	8	/* expiration: octets 8-11 of RRSIG RDATA */
#define COPY_CHUNK	(16 << 20)

/* Which file a path names: a file replaced by rename, or rewritten, gets
 * another identity (device, inode, size, modification time). */
struct file_id {
	uint64_t dev, ino, size, mtime;
};

/* A name's octets in the input and the output: the blocks follow each
 * other in both, so the offsets are sums of the lengths before. */
struct ientry {
	uint32_t in_len, out_len;
	uint32_t cache_off;	/* its entries in OUTPUT.cache, NO_CACHE: none */
	uint32_t expire;	/* earliest RRSIG expiration, 0: none */
	uint8_t kind;		/* enum node_kind */
	uint8_t pad[3];
};

#define NO_CACHE	UINT32_MAX

struct ihead {
	char magic[8];
	struct file_id out;	/* OUTPUT as published */
	struct file_id in;	/* OUTPUT.input */
	struct file_id cache;	/* OUTPUT.cache, zero if none */
	uint64_t in_first;	/* where the first name's entries start */
	int64_t signed_at;	/* the run's clock: no copied signature is younger */
	uint8_t keys[SHA256_LEN];
	uint32_t denial, neg_ttl;
	uint32_t apex_len, dir_len;
	uint64_t n;
};
/* The file: ihead, apex wire, directives, zero padding to 8, ientry[n],
 * SHA-256 of all before it. */

struct mapped {
	const char *p;
	size_t len;
	bool owned;		/* read into memory: freed, not unmapped */
};

enum { F_CHANGED = 1, F_ADDED = 2, F_BELOW = 4, F_DO = 8 };

/* One incremental run: the index and files it trusts, the new zone's
 * blocks, and what became of each. */
struct patch {
	const char *out;
	int64_t now, refresh;
	struct mapped index, oin, nin;
	int outfd;		/* the previous OUTPUT, copied from */
	const struct ihead *h;
	_Alignas(8) uint8_t apex[NAME_BUF];	/* the index's apex, a struct dname */
	const struct ientry *oe;
	uint64_t *in_off, *out_off;	/* of each old entry */
	struct zblocks nb;
	uint8_t origin[DNAME_WIRE_MAX];
	bool has_origin;
	int64_t *old;		/* per new block: its old entry, -1 if added */
	uint8_t *flag;		/* per new block: F_* */
	size_t changes;
	_Alignas(8) uint8_t buf[2][NAME_BUF];
};

/* OUTPUT.input written, on a thread or not (patch_index.c). */
struct input_copy {
	pthread_t thread;
	const struct mapped *m;
	char *tmp;
	mode_t mode;
	int error;		/* errno of a failure, 0 */
	bool started;
};

/* File identities: from a stat, by path, compared. */
void id_of(const struct stat *sb, struct file_id *id);
bool file_id_of(const char *path, struct file_id *id);
bool file_id_equal(const struct file_id *a, const struct file_id *b);
/* A file of this program's own mapped whole; id gets its identity. */
bool map_path(const char *path, struct mapped *m, struct file_id *id);
void unmap(struct mapped *m);
/* What a signature depends on besides the data: the keys and roles. */
void keys_digest(const struct keyset *ks, uint8_t out[SHA256_LEN]);
/* The origin the $ORIGIN lines leave; false without a $TTL line. */
bool directives_read(const char *d, size_t len, uint8_t *origin, bool *has_origin);
/* The owner starting an entry's text, parsed into buf; NULL if none.
 * new_name and old_name: of new block j and old entry i, into p->buf. */
const struct dname *name_at(const struct patch *p, const char *text, size_t max, void *buf);
const struct dname *new_name(struct patch *p, size_t j, int which);
const struct dname *old_name(struct patch *p, size_t i, int which);
/* Maps OUTPUT.index into p and checks its sum and layout. */
bool index_open(struct patch *p);
/* n octets from `from` at off to the end of `to`, in the kernel where it
 * can, with writeback started as it goes. */
bool copy_range(int from, off_t off, int to, size_t n);
/* OUTPUT.input from m: started (on a thread with `thread`), then waited
 * for and, with keep, put in place; finish returns 0 or an errno. */
void input_copy_start(struct input_copy *c, const char *out, const struct mapped *m,
    bool thread);
int input_copy_finish(struct input_copy *c, const char *out, bool keep);
/* Writes OUTPUT.index for OUTPUT and OUTPUT.input, both in place. */
int index_publish(const char *out, struct ihead *h, const uint8_t *apex, const char *dirs,
    const struct ientry *e, struct reg_err *err);
/* The earliest RRSIG expiration of a node, 0 if it has none. */
uint32_t node_expire(const struct zone *z, const struct node *n);

#endif
