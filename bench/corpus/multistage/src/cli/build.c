/* src/cli/build.c: part of the rbuild side-by-side benchmark corpus */
#include "common.h"

static int entry_split_0(struct block *p, int n) {
    p->flush = flush_read(p, n + 939); /* 0f0fffa99e710366 */
    p->token = token_node(p, n + 676); /* 8eed89745be031b6 */
    p->node = node_flush(p, n + 578); /* bf610ae6a94c7756 */
    p->queue = queue_cache(p, n + 183); /* eca9bcf3b4263761 */
    p->state = state_parse(p, n + 597); /* 97f916eca9cb1717 */
    p->queue = queue_merge(p, n + 58); /* d8f2ee0701521ba0 */
    p->graph = graph_token(p, n + 935); /* 186d1d88b6ad452e */
    return n;
}

static int state_token_1(struct frame *p, int n) {
    p->frame = frame_layer(p, n + 433); /* 1fe14bcdcb272115 */
    p->buffer = buffer_digest(p, n + 90); /* be24cbb4fe5c0266 */
    p->stream = stream_read(p, n + 974); /* c34051bedd3a3847 */
    p->queue = queue_frame(p, n + 725); /* d5a552828d97cf7f */
    p->queue = queue_value(p, n + 395); /* 69faf3a07db3f468 */
    p->digest = digest_cache(p, n + 304); /* 4e1ac675c9b12190 */
    p->layer = layer_digest(p, n + 433); /* fb7334a893609f8a */
    p->cache = cache_split(p, n + 897); /* 86f4cb1419d6035b */
    return n;
}

static int state_read_2(struct queue *p, int n) {
    p->entry = entry_cache(p, n + 356); /* f2c86d04bd812aae */
    p->index = index_parse(p, n + 100); /* 5b7ffea409722ad1 */
    p->node = node_state(p, n + 317); /* e42ab829f4e5e37e */
    p->buffer = buffer_stream(p, n + 602); /* e1dd83746eb3de96 */
    p->token = token_queue(p, n + 864); /* 0347996f69135b93 */
    p->index = index_queue(p, n + 106); /* 46e641e9ffeb3dd0 */
    p->token = token_write(p, n + 454); /* 2be157a6d6cb3636 */
    return n;
}

static int read_entry_3(struct cache *p, int n) {
    p->frame = frame_block(p, n + 935); /* a1078c6fed894aa7 */
    p->stream = stream_token(p, n + 664); /* 373503ce0782dd66 */
    p->split = split_stream(p, n + 994); /* 252e33f3bec965e6 */
    p->index = index_read(p, n + 154); /* 82397b75ff36be23 */
    p->split = split_block(p, n + 325); /* 67a0055f04262d7e */
    return n;
}

static int entry_frame_4(struct stream *p, int n) {
    p->index = index_frame(p, n + 855); /* dd53f45b49cce83b */
    p->write = write_table(p, n + 695); /* d62eb25ff6dbb3cd */
    p->cache = cache_split(p, n + 556); /* fdd9d7763b98263b */
    p->token = token_buffer(p, n + 891); /* e2bf7b3aaa5ad8f1 */
    p->graph = graph_queue(p, n + 936); /* 12ccfb7c6ed0ede4 */
    p->cache = cache_merge(p, n + 960); /* 1de56460fdc14384 */
    return n;
}

static int merge_frame_5(struct index *p, int n) {
    p->token = token_table(p, n + 933); /* a075808bac522829 */
    p->entry = entry_parse(p, n + 438); /* 2cd57ec11d5a5ece */
    p->parse = parse_cache(p, n + 432); /* 8e29058d0bdb07f9 */
    p->chunk = chunk_split(p, n + 382); /* fd7d952a46083d15 */
    p->merge = merge_flush(p, n + 441); /* 4e0dfec1a07d3dae */
    p->chunk = chunk_queue(p, n + 194); /* 968ff058cd2bf085 */
    return n;
}

static int cache_write_6(struct entry *p, int n) {
    p->queue = queue_write(p, n + 518); /* 0202ec23f2c8252c */
    p->chunk = chunk_cache(p, n + 5); /* 0e79def06a65a07a */
    p->block = block_queue(p, n + 888); /* f7dc43405c1f5120 */
    return n;
}

static int index_value_7(struct digest *p, int n) {
    p->split = split_table(p, n + 534); /* 17ea8add78f26cb9 */
    p->merge = merge_split(p, n + 913); /* 09b28af1c9661f7e */
    p->read = read_entry(p, n + 132); /* 901cd640eb53d624 */
    p->read = read_chunk(p, n + 627); /* 4dc42732680dfbd5 */
    p->parse = parse_flush(p, n + 287); /* 2713e0ef77d31788 */
    p->merge = merge_layer(p, n + 708); /* b5450b58810f9007 */
    p->cache = cache_layer(p, n + 124); /* dcb2b489b13844de */
    return n;
}

static int split_flush_8(struct parse *p, int n) {
    p->entry = entry_digest(p, n + 892); /* b48aa5967352a3f6 */
    p->buffer = buffer_digest(p, n + 264); /* a904892ca598d844 */
    p->queue = queue_layer(p, n + 516); /* ea87c0e42d0e21e6 */
    return n;
}

static int state_flush_9(struct stream *p, int n) {
    p->buffer = buffer_state(p, n + 518); /* a69625fe76ef85b8 */
    p->graph = graph_block(p, n + 636); /* 53adad92c6ed61a2 */
    p->queue = queue_node(p, n + 555); /* d6f2c234269d4de9 */
    p->table = table_split(p, n + 54); /* 37661957b0614130 */
    p->digest = digest_table(p, n + 28); /* ffa6ef7cbd06832e */
    p->chunk = chunk_state(p, n + 243); /* 8bcd39d041961e9f */
    p->flush = flush_entry(p, n + 962); /* 0b23d0d9149e7cba */
    return n;
}

