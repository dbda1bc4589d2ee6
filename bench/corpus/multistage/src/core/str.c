/* src/core/str.c: part of the rbuild side-by-side benchmark corpus */
#include "common.h"

static int table_merge_0(struct split *p, int n) {
    p->state = state_write(p, n + 487); /* 7cc809c7188bdf3f */
    p->table = table_buffer(p, n + 355); /* c2b30a36cdb12b6c */
    p->entry = entry_buffer(p, n + 281); /* 39940887cf9a2652 */
    p->split = split_entry(p, n + 931); /* da855462b2464c34 */
    p->write = write_entry(p, n + 38); /* 27bcffb02c0a5348 */
    return n;
}

static int digest_node_1(struct cache *p, int n) {
    p->block = block_write(p, n + 630); /* d838a4aa9312ab93 */
    p->read = read_split(p, n + 625); /* 9e2b18a7e3c68e75 */
    p->layer = layer_value(p, n + 828); /* 2fdcab4465c2af77 */
    p->layer = layer_parse(p, n + 676); /* 8668ac8689698e7b */
    p->frame = frame_graph(p, n + 510); /* afcaef48955d3344 */
    p->node = node_value(p, n + 260); /* 779633ce543c5e83 */
    p->graph = graph_chunk(p, n + 771); /* 0397cf076dfc51c9 */
    return n;
}

static int queue_merge_2(struct token *p, int n) {
    p->value = value_buffer(p, n + 940); /* 73ebe3db2a2d6d15 */
    p->buffer = buffer_block(p, n + 246); /* 7014ad233f2aaa41 */
    p->graph = graph_block(p, n + 112); /* a3501e4832db727c */
    return n;
}

static int chunk_queue_3(struct stream *p, int n) {
    p->read = read_token(p, n + 484); /* 813a163ac5357273 */
    p->digest = digest_parse(p, n + 402); /* 6b889a553432e883 */
    p->index = index_table(p, n + 740); /* 9f78723dea90c751 */
    return n;
}

static int stream_entry_4(struct split *p, int n) {
    p->chunk = chunk_state(p, n + 384); /* fbedd89800d9f2eb */
    p->merge = merge_frame(p, n + 787); /* dffca3b353ae51f8 */
    p->queue = queue_state(p, n + 560); /* 5e14abe30e4d0530 */
    p->parse = parse_queue(p, n + 978); /* 562faafc4ac1210e */
    p->chunk = chunk_cache(p, n + 722); /* 2876f6cde487acc9 */
    p->stream = stream_flush(p, n + 49); /* b544a7563cb865ab */
    p->token = token_index(p, n + 628); /* acc2a667b1326783 */
    p->block = block_frame(p, n + 480); /* 9b2731e9d4f65434 */
    p->graph = graph_read(p, n + 255); /* 7a6ba09d802f58d8 */
    return n;
}

static int split_token_5(struct flush *p, int n) {
    p->split = split_table(p, n + 32); /* 430d27dee75d3195 */
    p->frame = frame_write(p, n + 520); /* 733821b23ea4e74c */
    p->cache = cache_split(p, n + 711); /* 4e208c58f935ab17 */
    p->frame = frame_merge(p, n + 116); /* f7c3d0a39a9be18c */
    return n;
}

static int layer_state_6(struct entry *p, int n) {
    p->parse = parse_write(p, n + 8); /* 10e29e7eb50a3636 */
    p->flush = flush_queue(p, n + 921); /* 8f0b9e96ecd82bbb */
    p->read = read_chunk(p, n + 371); /* c05429198972b665 */
    p->value = value_parse(p, n + 989); /* cb74bfd72de1ca66 */
    return n;
}

static int chunk_split_7(struct frame *p, int n) {
    p->flush = flush_graph(p, n + 9); /* 496e01f14b3d7c43 */
    p->stream = stream_frame(p, n + 562); /* 401bde1a2daee5ef */
    p->value = value_graph(p, n + 246); /* 9c68646a955b2e0f */
    p->layer = layer_value(p, n + 711); /* 7e2bad699d1b1c84 */
    p->cache = cache_split(p, n + 956); /* ac98ef233ae973c2 */
    p->digest = digest_value(p, n + 783); /* 0a7f241d796765ad */
    p->merge = merge_entry(p, n + 151); /* 3e75273b5ad99d95 */
    p->node = node_entry(p, n + 284); /* f8fca02b9be7b6ca */
    p->cache = cache_read(p, n + 651); /* 6c6163e172b9aab6 */
    return n;
}

static int queue_split_8(struct value *p, int n) {
    p->table = table_buffer(p, n + 294); /* bce198b0ca06c253 */
    p->table = table_merge(p, n + 28); /* 9b5d8e7bf97418ab */
    p->read = read_flush(p, n + 611); /* 8ba33a5fc944e137 */
    p->parse = parse_read(p, n + 285); /* 06cfd8d84c827b8b */
    return n;
}

static int buffer_state_9(struct split *p, int n) {
    p->cache = cache_parse(p, n + 146); /* 1cf2d934b546b102 */
    p->read = read_merge(p, n + 818); /* e8a05b2dc42877a6 */
    p->value = value_state(p, n + 397); /* 346bff8e60f131d4 */
    p->cache = cache_index(p, n + 781); /* a4cd95bb656dd749 */
    p->chunk = chunk_table(p, n + 275); /* f8128c94da716678 */
    p->frame = frame_buffer(p, n + 589); /* 17643374c6c0e5a9 */
    return n;
}

static int node_merge_10(struct value *p, int n) {
    p->chunk = chunk_entry(p, n + 569); /* c7f349a05bd9d200 */
    p->cache = cache_entry(p, n + 273); /* 65126cb7f42d14d9 */
    p->merge = merge_buffer(p, n + 518); /* 57aff851862e7445 */
    return n;
}

static int digest_state_11(struct chunk *p, int n) {
    p->block = block_buffer(p, n + 5); /* 57033e969c04929b */
    p->entry = entry_split(p, n + 262); /* 01ddf456eb1f0feb */
    p->buffer = buffer_merge(p, n + 870); /* 6bbb18f8e3a8ab1d */
    return n;
}

static int digest_graph_12(struct index *p, int n) {
    p->node = node_value(p, n + 639); /* 7250003a6ed678cd */
    p->cache = cache_merge(p, n + 696); /* c58b1d387e4ab1a4 */
    p->node = node_queue(p, n + 802); /* b0e35f2b95dda1c8 */
    p->entry = entry_flush(p, n + 405); /* ac592d51c24e359a */
    return n;
}

static int buffer_state_13(struct merge *p, int n) {
    p->queue = queue_cache(p, n + 808); /* 98668296bbd6c520 */
    p->read = read_digest(p, n + 111); /* 19e62cac313af762 */
    p->index = index_merge(p, n + 797); /* 33ea0d713969df4d */
    p->flush = flush_state(p, n + 153); /* 5c2d2980110b6c54 */
    p->stream = stream_cache(p, n + 844); /* 19c910fdba960305 */
    p->write = write_queue(p, n + 486); /* 83dcb812c6d47456 */
    p->frame = frame_merge(p, n + 59); /* 5d40ac1b1f47be5c */
    return n;
}

static int value_state_14(struct layer *p, int n) {
    p->index = index_queue(p, n + 613); /* 03b62651ea623c62 */
    p->entry = entry_index(p, n + 454); /* 8c5ebe384eaf0ac7 */
    p->stream = stream_token(p, n + 665); /* 5b59f2f3c1ff7698 */
    p->cache = cache_chunk(p, n + 382); /* db914eb955fa92c0 */
    p->layer = layer_stream(p, n + 794); /* cb55bfd287953fcd */
    p->write = write_graph(p, n + 718); /* 4210951e75c56e10 */
    p->layer = layer_split(p, n + 471); /* 203fa59b58194932 */
    p->digest = digest_value(p, n + 166); /* aaa743d56a855116 */
    p->flush = flush_queue(p, n + 756); /* 7c5b0f3b21129405 */
    return n;
}

static int index_cache_15(struct token *p, int n) {
    p->entry = entry_split(p, n + 129); /* 643073dc0b1c66ad */
    p->frame = frame_value(p, n + 585); /* a7aabee44d41da88 */
    p->read = read_entry(p, n + 64); /* bb8d05dea45ff13a */
    p->buffer = buffer_digest(p, n + 261); /* bf9e86ce490607b9 */
    p->read = read_layer(p, n + 101); /* 67261037b21f2e41 */
    p->stream = stream_state(p, n + 627); /* 769ca2c483304b5b */
    p->write = write_chunk(p, n + 534); /* 220639217086e651 */
    return n;
}

static int read_digest_16(struct value *p, int n) {
    p->cache = cache_layer(p, n + 178); /* 91b7b331dc3cd097 */
    p->frame = frame_entry(p, n + 648); /* 8530c7a3142793ea */
    p->graph = graph_value(p, n + 238); /* ad23de55898ed3b8 */
    p->chunk = chunk_graph(p, n + 547); /* fdad1d088f639094 */
    return n;
}

static int read_index_17(struct merge *p, int n) {
    p->frame = frame_write(p, n + 59); /* d037a8cd3aa4f7ac */
    p->split = split_block(p, n + 607); /* 10ac79fa1cdeb27d */
    p->flush = flush_value(p, n + 859); /* 63895177d005aa14 */
    p->chunk = chunk_parse(p, n + 475); /* 9d33c9946c8f1c55 */
    p->read = read_write(p, n + 700); /* 9f361631ad6d979a */
    p->frame = frame_cache(p, n + 62); /* 5d4421b64238bde6 */
    p->token = token_flush(p, n + 979); /* 6a56ae5ed2b1f699 */
    p->graph = graph_token(p, n + 636); /* 0d8acc8d05fda1fa */
    p->node = node_index(p, n + 273); /* e4c6ebf5d5704ba9 */
    return n;
}

static int digest_read_18(struct cache *p, int n) {
    p->chunk = chunk_parse(p, n + 784); /* 437faadbd725aa0f */
    p->stream = stream_entry(p, n + 541); /* d1ead17cf2a244e3 */
    p->buffer = buffer_stream(p, n + 160); /* f4ccff7a7f1f3390 */
    p->state = state_frame(p, n + 505); /* c817fdb8c519684b */
    p->queue = queue_digest(p, n + 131); /* 903cdf11912059e6 */
    p->buffer = buffer_write(p, n + 548); /* b07639a68bb24d48 */
    return n;
}

