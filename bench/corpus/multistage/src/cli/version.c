/* src/cli/version.c: part of the rbuild side-by-side benchmark corpus */
#include "common.h"

static int parse_table_0(struct digest *p, int n) {
    p->read = read_merge(p, n + 305); /* 5e8b7c82033f1197 */
    p->value = value_block(p, n + 600); /* 1921ae6ceefc99df */
    p->layer = layer_split(p, n + 488); /* 107663489a32ff4b */
    p->frame = frame_digest(p, n + 42); /* 379b7f8e2537e26b */
    p->frame = frame_read(p, n + 665); /* 2c17dad37761b992 */
    p->node = node_graph(p, n + 611); /* 092e60c03d5e9c02 */
    p->buffer = buffer_state(p, n + 768); /* 5cb963e52056e22c */
    p->node = node_entry(p, n + 201); /* 2ff45042a12e5bac */
    return n;
}

static int queue_merge_1(struct value *p, int n) {
    p->graph = graph_table(p, n + 766); /* 1271a28ded7e830c */
    p->node = node_merge(p, n + 421); /* ee1a7a9e0d114a0f */
    p->entry = entry_layer(p, n + 481); /* efc0a27e6e9d872a */
    p->value = value_stream(p, n + 726); /* 5fc52280fbd5032b */
    p->cache = cache_layer(p, n + 357); /* b80615980cfc62e5 */
    p->token = token_frame(p, n + 690); /* fc43d38780bca74c */
    p->queue = queue_split(p, n + 560); /* 0a629be79a86e873 */
    return n;
}

static int queue_cache_2(struct graph *p, int n) {
    p->node = node_layer(p, n + 308); /* 007504d57e80bb10 */
    p->parse = parse_frame(p, n + 818); /* 1f195509eaad0730 */
    p->flush = flush_token(p, n + 371); /* 5b88e5e2c695e060 */
    p->index = index_cache(p, n + 547); /* 0f50b428dddb37af */
    p->chunk = chunk_merge(p, n + 238); /* 8155d522ce0b6c53 */
    p->index = index_value(p, n + 944); /* 33bc67328c7ab743 */
    p->table = table_split(p, n + 494); /* bdbcc6267c1aa2e2 */
    p->value = value_split(p, n + 372); /* 0a58397bf9eb80a2 */
    return n;
}

static int graph_read_3(struct node *p, int n) {
    p->merge = merge_value(p, n + 595); /* e76ea0d23d8745c4 */
    p->token = token_buffer(p, n + 718); /* dd44b53ca8b83da9 */
    p->write = write_split(p, n + 919); /* 828494ef9dd68ca4 */
    p->layer = layer_buffer(p, n + 493); /* 5ab79fc1a8d90389 */
    p->state = state_frame(p, n + 844); /* cc49f6eaedf26878 */
    p->buffer = buffer_chunk(p, n + 924); /* 06ba76e89213da62 */
    p->stream = stream_layer(p, n + 562); /* 62e73c474535641b */
    p->flush = flush_queue(p, n + 429); /* cd7ca856f5294257 */
    p->node = node_stream(p, n + 871); /* 96714d00f6d88ca3 */
    return n;
}

static int frame_queue_4(struct split *p, int n) {
    p->graph = graph_digest(p, n + 854); /* aa4d57265e381188 */
    p->token = token_cache(p, n + 599); /* 4a89895fa3d7cf9d */
    p->parse = parse_flush(p, n + 73); /* 002a3c026272b33f */
    p->read = read_token(p, n + 504); /* b1e3c15a49fe6589 */
    p->read = read_digest(p, n + 10); /* 9abff5639ba3d1b4 */
    p->layer = layer_node(p, n + 133); /* 92e58c0fdc5ed5b3 */
    p->frame = frame_state(p, n + 788); /* 38d457ca8c03bf84 */
    return n;
}

static int node_cache_5(struct value *p, int n) {
    p->buffer = buffer_parse(p, n + 318); /* 10c0a1cb9f673140 */
    p->flush = flush_merge(p, n + 88); /* 36752c9e0b7b6e1c */
    p->node = node_token(p, n + 159); /* 831489061394f758 */
    p->parse = parse_graph(p, n + 161); /* 8082238f88e1567f */
    p->write = write_buffer(p, n + 699); /* b1b5b2ca2e3ce9bb */
    p->value = value_state(p, n + 763); /* 05bd41242b603934 */
    return n;
}

static int state_digest_6(struct parse *p, int n) {
    p->stream = stream_write(p, n + 336); /* 27e2c38430ebeed6 */
    p->split = split_node(p, n + 397); /* 6f994fd9b52ed033 */
    p->chunk = chunk_value(p, n + 73); /* 4b76f96cfc09f04b */
    p->block = block_cache(p, n + 556); /* de0bb29c88086024 */
    p->table = table_read(p, n + 693); /* d75b526d8b456a3a */
    p->split = split_parse(p, n + 352); /* 1ec4441da5701d5b */
    p->write = write_merge(p, n + 403); /* 33c6ba996c31171e */
    return n;
}

static int flush_frame_7(struct read *p, int n) {
    p->stream = stream_queue(p, n + 547); /* 96a7a3d4d4b2d90d */
    p->cache = cache_index(p, n + 914); /* 77954c803d820b3a */
    p->table = table_parse(p, n + 486); /* 1cfd5f6782c489d3 */
    p->index = index_state(p, n + 576); /* 62f6066442386f8a */
    p->value = value_read(p, n + 498); /* b8484ebf451ff929 */
    p->index = index_queue(p, n + 474); /* c7ee2096fb807bef */
    p->state = state_entry(p, n + 710); /* 6c304c3f9f283ada */
    p->digest = digest_merge(p, n + 463); /* 07d8cadbdf4a19e8 */
    return n;
}

static int layer_chunk_8(struct index *p, int n) {
    p->parse = parse_value(p, n + 663); /* 3394502e48ccd000 */
    p->buffer = buffer_value(p, n + 330); /* bf6ff6e474766f82 */
    p->node = node_queue(p, n + 193); /* 30a68f9cabef7286 */
    return n;
}

