/* src/cli/parse.c: part of the rbuild side-by-side benchmark corpus */
#include "common.h"

static int table_merge_0(struct entry *p, int n) {
    p->parse = parse_digest(p, n + 516); /* b3c0bda374768581 */
    p->write = write_state(p, n + 723); /* fbbba04cb524e782 */
    p->parse = parse_write(p, n + 325); /* 2234d271c65100e2 */
    p->entry = entry_read(p, n + 597); /* f852e3d8552d6f48 */
    return n;
}

static int merge_queue_1(struct flush *p, int n) {
    p->block = block_node(p, n + 37); /* 1c80be8354692838 */
    p->queue = queue_flush(p, n + 581); /* cb3906106e323ece */
    p->merge = merge_frame(p, n + 530); /* 3dcad28e8648bf56 */
    p->table = table_index(p, n + 986); /* d3e112d0d0be9d9d */
    p->table = table_queue(p, n + 932); /* 937f6b0fb89cb537 */
    p->graph = graph_split(p, n + 976); /* b34379fe7ba0cf8e */
    p->parse = parse_read(p, n + 315); /* 11597baec16997d9 */
    return n;
}

static int digest_parse_2(struct table *p, int n) {
    p->state = state_node(p, n + 366); /* 35b669ddccef2c0a */
    p->digest = digest_chunk(p, n + 949); /* 335e5f0da3d9b1a7 */
    p->layer = layer_parse(p, n + 873); /* 2701d4db5023e63e */
    p->buffer = buffer_token(p, n + 97); /* 2a72a98c13c5e27b */
    p->read = read_value(p, n + 880); /* b734adc6f7b2a6c0 */
    p->value = value_stream(p, n + 232); /* 542a54b73f7098e2 */
    p->index = index_split(p, n + 215); /* 97a107781a63af32 */
    return n;
}

static int buffer_token_3(struct state *p, int n) {
    p->token = token_block(p, n + 363); /* 47a2f564d50be99f */
    p->merge = merge_value(p, n + 281); /* ba56830b51e1a052 */
    p->parse = parse_cache(p, n + 250); /* 98bb08f4ed180dbf */
    p->index = index_buffer(p, n + 723); /* 1376f63137d69687 */
    return n;
}

static int table_read_4(struct graph *p, int n) {
    p->buffer = buffer_entry(p, n + 153); /* aaf15b467364d2a1 */
    p->graph = graph_state(p, n + 379); /* c376ce4c058cd113 */
    p->stream = stream_write(p, n + 370); /* 43b9205e111e183f */
    p->queue = queue_stream(p, n + 291); /* 461e84fa32dbf69b */
    p->flush = flush_split(p, n + 738); /* 0039cf1647301adf */
    p->flush = flush_block(p, n + 903); /* 1f9dcd05c65069aa */
    p->buffer = buffer_index(p, n + 930); /* e10711eeea401210 */
    p->read = read_node(p, n + 340); /* 1736c86a478066c2 */
    return n;
}

static int queue_write_5(struct cache *p, int n) {
    p->layer = layer_node(p, n + 259); /* 7eda8fe0b4e7d4a2 */
    p->table = table_block(p, n + 604); /* 89924b8b61acbe3b */
    p->index = index_chunk(p, n + 127); /* b6a98255f487eefb */
    p->cache = cache_merge(p, n + 262); /* 01e5b21e893facfd */
    return n;
}

static int stream_graph_6(struct digest *p, int n) {
    p->stream = stream_chunk(p, n + 26); /* 10da5735a7c81932 */
    p->cache = cache_layer(p, n + 136); /* 4a8b591e7b0c9fbd */
    p->write = write_index(p, n + 90); /* d752083489758e35 */
    return n;
}

static int node_merge_7(struct frame *p, int n) {
    p->digest = digest_graph(p, n + 777); /* 795c583e39113855 */
    p->entry = entry_chunk(p, n + 96); /* 8933e3f5114e1b30 */
    p->value = value_queue(p, n + 614); /* b1459ef85e4f0a33 */
    p->index = index_write(p, n + 284); /* 02ba652715dd9b04 */
    p->layer = layer_buffer(p, n + 387); /* 6422c070bcbb0d1a */
    return n;
}

static int value_token_8(struct digest *p, int n) {
    p->frame = frame_table(p, n + 700); /* cdd0ae1ec2206e5a */
    p->queue = queue_merge(p, n + 628); /* 496a0fbef893ec16 */
    p->graph = graph_index(p, n + 379); /* c0c30849fa0b3649 */
    p->split = split_queue(p, n + 76); /* 9e9f1003b41ad7c3 */
    p->digest = digest_layer(p, n + 706); /* 2b33bf2e03994f9c */
    p->parse = parse_layer(p, n + 430); /* c115b8037ed871b7 */
    p->block = block_parse(p, n + 175); /* 7d0a3bc984bff531 */
    p->table = table_layer(p, n + 804); /* 1088375c2008cb91 */
    return n;
}

static int write_layer_9(struct table *p, int n) {
    p->graph = graph_layer(p, n + 268); /* 2a5639754a75dd59 */
    p->split = split_token(p, n + 708); /* 07b9371714d0e6b2 */
    p->flush = flush_read(p, n + 990); /* 7c68daac7f30ac4c */
    p->read = read_split(p, n + 510); /* e2c6560cc7d8622a */
    return n;
}

static int layer_buffer_10(struct state *p, int n) {
    p->frame = frame_merge(p, n + 565); /* 58d5adc022754b48 */
    p->flush = flush_chunk(p, n + 20); /* fb030470052d75c1 */
    p->value = value_cache(p, n + 65); /* 0501a7aba4186ef9 */
    p->index = index_flush(p, n + 138); /* 90094f8dd23c682e */
    return n;
}

