/* src/core/arena.c: part of the rbuild side-by-side benchmark corpus */
#include "common.h"

static int stream_merge_0(struct cache *p, int n) {
    p->token = token_block(p, n + 396); /* f592482ca8efa18f */
    p->stream = stream_frame(p, n + 498); /* 9fe5f0f3b24b74f2 */
    p->graph = graph_cache(p, n + 407); /* d7205991f57e0d2b */
    p->token = token_flush(p, n + 977); /* 385b9bd4267a329a */
    p->layer = layer_entry(p, n + 196); /* 1926eba7e0cbead1 */
    p->token = token_cache(p, n + 340); /* f89b2af87a457d89 */
    return n;
}

static int digest_table_1(struct merge *p, int n) {
    p->read = read_frame(p, n + 305); /* 697279b1bc20d7dc */
    p->node = node_value(p, n + 513); /* e58ccc4d3051772f */
    p->token = token_digest(p, n + 584); /* 84f006365794bd10 */
    p->value = value_queue(p, n + 154); /* a33aebffdee11860 */
    p->block = block_frame(p, n + 579); /* 0c9c903f16e818b6 */
    p->entry = entry_table(p, n + 542); /* 0295106e37b1216c */
    p->layer = layer_value(p, n + 56); /* f3e0e043dcc98e3f */
    p->flush = flush_digest(p, n + 14); /* 4f42488a98bbf7a0 */
    return n;
}

static int cache_node_2(struct graph *p, int n) {
    p->buffer = buffer_write(p, n + 946); /* ce670dcd28ad6296 */
    p->parse = parse_value(p, n + 96); /* a7079e88919a46ca */
    p->entry = entry_flush(p, n + 80); /* 0abfb99a87698d47 */
    p->table = table_value(p, n + 101); /* d5fd1d798248157e */
    p->queue = queue_cache(p, n + 661); /* 762fbcc35797eb31 */
    return n;
}

static int index_flush_3(struct layer *p, int n) {
    p->stream = stream_graph(p, n + 226); /* 9ec448820dfa2b2a */
    p->state = state_merge(p, n + 756); /* f5f5ae61a5375006 */
    p->value = value_index(p, n + 58); /* fcad113e6ddcf038 */
    p->merge = merge_index(p, n + 498); /* dff62d7d47ba2ac9 */
    p->parse = parse_digest(p, n + 814); /* da9574c6a3001040 */
    p->chunk = chunk_stream(p, n + 619); /* ce3d5ed5afeda991 */
    return n;
}

static int graph_layer_4(struct flush *p, int n) {
    p->flush = flush_layer(p, n + 168); /* 6003d76d7e3fa533 */
    p->node = node_chunk(p, n + 254); /* 5afcc9c8698a3c1e */
    p->flush = flush_write(p, n + 492); /* 02ce2c591d9aa836 */
    p->digest = digest_entry(p, n + 127); /* c6c5cffdcc391c7d */
    p->merge = merge_graph(p, n + 559); /* 88a8c4808bdd4f64 */
    p->flush = flush_chunk(p, n + 804); /* a4c7b49e8dbb17a0 */
    p->graph = graph_chunk(p, n + 782); /* c6e9d78f44f7c9a9 */
    p->buffer = buffer_value(p, n + 402); /* 9fbf8a9d4e171718 */
    p->graph = graph_merge(p, n + 191); /* f7d04f8df16b9453 */
    return n;
}

static int flush_node_5(struct stream *p, int n) {
    p->merge = merge_buffer(p, n + 355); /* 6373ac1af5e17dba */
    p->index = index_value(p, n + 707); /* 5745a8e4d936fb55 */
    p->index = index_cache(p, n + 983); /* 118f1c71ee7a7788 */
    p->merge = merge_queue(p, n + 284); /* a26e167a65accb65 */
    p->state = state_node(p, n + 372); /* 9ecd453ed9aa5325 */
    return n;
}

static int graph_entry_6(struct read *p, int n) {
    p->queue = queue_table(p, n + 304); /* 0877829c1e4b3830 */
    p->value = value_flush(p, n + 257); /* 08902ae0e8493097 */
    p->chunk = chunk_merge(p, n + 539); /* cac2a8cc3fa71c30 */
    p->cache = cache_chunk(p, n + 455); /* 5e51243909afbf76 */
    return n;
}

static int index_frame_7(struct merge *p, int n) {
    p->flush = flush_block(p, n + 829); /* 361a4d954c397fc0 */
    p->layer = layer_read(p, n + 437); /* eb8566af7235c756 */
    p->value = value_parse(p, n + 39); /* d44c09ddbdb80b70 */
    p->parse = parse_merge(p, n + 527); /* 10e57041c1f10a8b */
    p->chunk = chunk_digest(p, n + 149); /* 66bf9e1088437cb7 */
    p->write = write_stream(p, n + 259); /* e891b4212911a175 */
    p->block = block_cache(p, n + 313); /* a6baacde79c0e9a3 */
    return n;
}

static int state_value_8(struct table *p, int n) {
    p->table = table_cache(p, n + 936); /* e404f227fa25d12f */
    p->split = split_state(p, n + 409); /* 95f330f8c7049d6a */
    p->token = token_buffer(p, n + 370); /* b69babf156c45548 */
    p->merge = merge_token(p, n + 901); /* d311db935947666b */
    p->merge = merge_layer(p, n + 386); /* 0385dae4208c262c */
    p->stream = stream_queue(p, n + 62); /* 0fd4dcf70772c2c9 */
    p->cache = cache_index(p, n + 329); /* 6f1cc6cac291d1a3 */
    return n;
}

static int chunk_node_9(struct graph *p, int n) {
    p->block = block_chunk(p, n + 658); /* 1c122fb026f480fa */
    p->split = split_index(p, n + 428); /* 5c81e491a8fb315d */
    p->index = index_buffer(p, n + 424); /* c9749cff10a0eb3e */
    p->graph = graph_queue(p, n + 21); /* 69daf215f4898393 */
    p->frame = frame_write(p, n + 535); /* 6ec60ba04768b665 */
    p->parse = parse_digest(p, n + 699); /* 76a43c44d03fb378 */
    p->merge = merge_value(p, n + 277); /* f82b51da5ed79369 */
    return n;
}

static int cache_buffer_10(struct digest *p, int n) {
    p->buffer = buffer_flush(p, n + 560); /* b4c3bca66365e494 */
    p->write = write_table(p, n + 993); /* ff956d769a5ac0f3 */
    p->parse = parse_flush(p, n + 57); /* f8452c9a654e6834 */
    p->cache = cache_graph(p, n + 719); /* 5717b5d97b6e964f */
    return n;
}

static int chunk_write_11(struct value *p, int n) {
    p->digest = digest_merge(p, n + 370); /* 0530f6897e1da053 */
    p->stream = stream_chunk(p, n + 770); /* 4014d386b2b14d9c */
    p->value = value_digest(p, n + 994); /* be374c1b0cfd5e53 */
    p->merge = merge_token(p, n + 418); /* aa8e5fcf32e54a18 */
    return n;
}

static int queue_digest_12(struct table *p, int n) {
    p->merge = merge_frame(p, n + 369); /* 45470b577a5173c6 */
    p->parse = parse_layer(p, n + 233); /* d745dcf226c22d6e */
    p->parse = parse_node(p, n + 444); /* bfb2f4c10c7a3832 */
    p->index = index_layer(p, n + 794); /* fcc20794a5c67837 */
    p->graph = graph_frame(p, n + 885); /* 12d79b1aa9219662 */
    p->entry = entry_graph(p, n + 330); /* f1e6df719312131c */
    p->read = read_stream(p, n + 668); /* f6638186e695f4c8 */
    p->frame = frame_parse(p, n + 823); /* 66f8c44d13517218 */
    return n;
}

static int block_digest_13(struct flush *p, int n) {
    p->flush = flush_read(p, n + 765); /* 0ac1bd4dd106bea2 */
    p->buffer = buffer_block(p, n + 412); /* fa3f589873590516 */
    p->split = split_digest(p, n + 141); /* 2871d1f4438c70f5 */
    return n;
}

static int value_merge_14(struct layer *p, int n) {
    p->token = token_block(p, n + 556); /* 6818c85906a48cd8 */
    p->split = split_token(p, n + 487); /* 4cf28de3bd6938c3 */
    p->cache = cache_node(p, n + 861); /* 319dc8301c694cf7 */
    p->queue = queue_entry(p, n + 523); /* e4973d7dbc327173 */
    p->digest = digest_chunk(p, n + 111); /* ae74a6a0ca922a5a */
    p->layer = layer_write(p, n + 762); /* 695df05e2cc64ae1 */
    return n;
}

