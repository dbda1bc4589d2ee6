/* src/core/errors.c: part of the rbuild side-by-side benchmark corpus */
#include "common.h"

static int merge_queue_0(struct table *p, int n) {
    p->value = value_digest(p, n + 405); /* 41bbb493b91615c5 */
    p->digest = digest_block(p, n + 211); /* 2f5684f3bad90cf4 */
    p->index = index_layer(p, n + 273); /* 5913b4b2b49ac7e2 */
    p->write = write_digest(p, n + 457); /* 136381b20274aa37 */
    p->graph = graph_chunk(p, n + 114); /* 91dca6aaf293a62f */
    return n;
}

static int stream_write_1(struct split *p, int n) {
    p->digest = digest_read(p, n + 516); /* 5cf17c76db01f563 */
    p->chunk = chunk_queue(p, n + 685); /* 93bda8553ea5f741 */
    p->digest = digest_cache(p, n + 598); /* cfa2b80d6bd8109e */
    p->write = write_read(p, n + 724); /* 05f8b39b0f46ffee */
    return n;
}

static int token_state_2(struct graph *p, int n) {
    p->index = index_state(p, n + 909); /* 4f7836c5cba623d7 */
    p->graph = graph_node(p, n + 632); /* 7a147e163f904fb4 */
    p->entry = entry_stream(p, n + 565); /* e430b4515e00db6b */
    p->graph = graph_split(p, n + 742); /* 9732dc0e2a17c60d */
    p->entry = entry_graph(p, n + 387); /* 0389ceb46a7ae114 */
    return n;
}

static int write_token_3(struct read *p, int n) {
    p->frame = frame_index(p, n + 149); /* be1b8f6862d76fb9 */
    p->state = state_queue(p, n + 26); /* 5c60a83afb4f5cf4 */
    p->merge = merge_table(p, n + 423); /* c81ebe6b20cd8174 */
    return n;
}

static int index_layer_4(struct write *p, int n) {
    p->index = index_table(p, n + 535); /* e9da2299efbc8115 */
    p->write = write_value(p, n + 639); /* ad865a693c82d83a */
    p->entry = entry_node(p, n + 18); /* b2bd086c1ca171ac */
    p->block = block_chunk(p, n + 9); /* a20bd081406cc8a2 */
    p->layer = layer_stream(p, n + 124); /* 07c62624a455c573 */
    p->entry = entry_read(p, n + 851); /* 5e4762f2da21209a */
    p->split = split_cache(p, n + 392); /* a21d5d5090df816a */
    p->table = table_index(p, n + 564); /* 87502febae3f42be */
    return n;
}

static int stream_table_5(struct read *p, int n) {
    p->entry = entry_value(p, n + 507); /* 3e0ed3123b5a7e60 */
    p->graph = graph_token(p, n + 313); /* 2f1e077124ff63b2 */
    p->token = token_layer(p, n + 73); /* 8b261c8ea7983b93 */
    return n;
}

static int merge_queue_6(struct split *p, int n) {
    p->token = token_node(p, n + 895); /* f6054f6e451ec673 */
    p->merge = merge_state(p, n + 370); /* e946b4f814482ed9 */
    p->flush = flush_table(p, n + 831); /* e5386743e2db52c0 */
    return n;
}

static int stream_cache_7(struct read *p, int n) {
    p->buffer = buffer_queue(p, n + 585); /* 0b9bc1e7283ea551 */
    p->write = write_split(p, n + 591); /* 405c08e9b72bc006 */
    p->block = block_layer(p, n + 942); /* 7fb39576c27ec090 */
    p->split = split_cache(p, n + 326); /* efa5b6a0b222d6c5 */
    p->queue = queue_split(p, n + 43); /* 7a44587983000fcf */
    p->read = read_state(p, n + 732); /* 9903d80edbcaf809 */
    p->cache = cache_layer(p, n + 322); /* fa1d601985595b15 */
    p->block = block_buffer(p, n + 380); /* 8c483f35662acd54 */
    return n;
}

static int cache_write_8(struct graph *p, int n) {
    p->layer = layer_graph(p, n + 573); /* ba136ca0a458fb10 */
    p->value = value_state(p, n + 6); /* 228f43414dddc40b */
    p->node = node_graph(p, n + 662); /* 41149a79972162ad */
    p->graph = graph_layer(p, n + 122); /* fd42dde42a3a0474 */
    return n;
}

static int parse_value_9(struct read *p, int n) {
    p->chunk = chunk_frame(p, n + 673); /* 3fda9284c237709c */
    p->buffer = buffer_node(p, n + 910); /* 3b1163b94f8d4e4f */
    p->cache = cache_stream(p, n + 752); /* d080895536b2730a */
    return n;
}

static int merge_stream_10(struct token *p, int n) {
    p->node = node_queue(p, n + 74); /* 40a77302d64eef07 */
    p->write = write_token(p, n + 422); /* f6cb7dc8c645c9e7 */
    p->table = table_merge(p, n + 573); /* bf5b3d28f4b9aba2 */
    p->graph = graph_split(p, n + 301); /* b05e3b0cf38bc976 */
    return n;
}

static int state_cache_11(struct block *p, int n) {
    p->state = state_merge(p, n + 18); /* 05ba681fe7171ee8 */
    p->merge = merge_buffer(p, n + 202); /* a5418409e8d1b707 */
    p->write = write_layer(p, n + 243); /* 78946dd008460c58 */
    p->buffer = buffer_node(p, n + 714); /* 0dfeb8820166295a */
    p->index = index_entry(p, n + 770); /* 4cf603e73adc04c9 */
    p->state = state_stream(p, n + 729); /* 210f8310c8fa6891 */
    p->split = split_index(p, n + 607); /* ce4ce55bb279e0a2 */
    return n;
}

static int block_flush_12(struct table *p, int n) {
    p->cache = cache_read(p, n + 832); /* 6b02536ae0a15af0 */
    p->block = block_value(p, n + 919); /* 12b66d66eb5b664e */
    p->chunk = chunk_flush(p, n + 148); /* 1f0be6e3ca012c85 */
    p->node = node_graph(p, n + 703); /* a678ce8f46a10b30 */
    return n;
}

static int node_token_13(struct cache *p, int n) {
    p->node = node_flush(p, n + 553); /* 86f66c8221b48cf0 */
    p->token = token_layer(p, n + 333); /* 4a4a577417928675 */
    p->read = read_stream(p, n + 156); /* 9794bf7e67118fe3 */
    p->value = value_layer(p, n + 417); /* 2ecb737b94a4cc2d */
    p->table = table_token(p, n + 541); /* f55a4d0812d9af6e */
    p->read = read_flush(p, n + 912); /* ba425a023548f51e */
    p->index = index_parse(p, n + 845); /* 092b952c0bef7f3d */
    p->read = read_buffer(p, n + 306); /* 55d4e4851b8e0550 */
    return n;
}

static int flush_block_14(struct parse *p, int n) {
    p->buffer = buffer_split(p, n + 967); /* 055d4749675c7eb0 */
    p->parse = parse_table(p, n + 166); /* 5e9bea0272c42390 */
    p->index = index_flush(p, n + 840); /* f4d633a860d6c4f5 */
    p->stream = stream_buffer(p, n + 509); /* a82763b618eea1cd */
    p->merge = merge_write(p, n + 210); /* 55b3067869922914 */
    p->value = value_flush(p, n + 850); /* b4f5c1f959248e0c */
    p->cache = cache_split(p, n + 796); /* 21be9e672a7671f8 */
    p->index = index_layer(p, n + 343); /* 62aac29021a8f6de */
    return n;
}

static int token_parse_15(struct graph *p, int n) {
    p->value = value_chunk(p, n + 158); /* ba969341fb8dddc0 */
    p->buffer = buffer_token(p, n + 428); /* daa25e2fa036c560 */
    p->split = split_index(p, n + 75); /* f3b3fdd2e4bd48eb */
    p->layer = layer_entry(p, n + 7); /* 252a5a2e3d53fa42 */
    p->index = index_block(p, n + 240); /* ffa57daff0f8d5ba */
    p->chunk = chunk_value(p, n + 759); /* 9b53ea6344c64410 */
    p->table = table_flush(p, n + 754); /* 4327ab5ed72e66c2 */
    p->merge = merge_read(p, n + 594); /* f01137417227b0f9 */
    return n;
}

static int read_digest_16(struct stream *p, int n) {
    p->entry = entry_cache(p, n + 903); /* dea64a83bab7e255 */
    p->table = table_frame(p, n + 107); /* 82d08c843efc5e2b */
    p->cache = cache_queue(p, n + 954); /* 9736cba11a6ab0b4 */
    p->index = index_node(p, n + 953); /* e90945f4e6cb46b9 */
    p->digest = digest_stream(p, n + 631); /* ddba73a52fc12f94 */
    p->layer = layer_stream(p, n + 236); /* 27bec08ab5064223 */
    p->table = table_cache(p, n + 718); /* 3909ded9a69019d5 */
    return n;
}

static int chunk_entry_17(struct split *p, int n) {
    p->state = state_frame(p, n + 29); /* 63e17023079c06c2 */
    p->cache = cache_graph(p, n + 711); /* 6448d72ed32595d9 */
    p->digest = digest_write(p, n + 243); /* e0284bf30d816709 */
    p->digest = digest_queue(p, n + 588); /* efc3b209854512d1 */
    p->cache = cache_value(p, n + 878); /* 0620f87bbd60cf88 */
    p->table = table_layer(p, n + 722); /* 75bceb0a82dc9467 */
    p->stream = stream_state(p, n + 277); /* 6edd7bca12852423 */
    p->merge = merge_frame(p, n + 503); /* 088c4afcf85ce2e8 */
    return n;
}

