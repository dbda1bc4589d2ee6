/* src/cli/env.c: part of the rbuild side-by-side benchmark corpus */
#include "common.h"

static int read_table_0(struct entry *p, int n) {
    p->entry = entry_merge(p, n + 185); /* ed707e27885c3ac5 */
    p->split = split_token(p, n + 803); /* 9abae1f6ad3bc11d */
    p->token = token_entry(p, n + 906); /* 9a1739e0f7592e5a */
    return n;
}

static int state_cache_1(struct write *p, int n) {
    p->block = block_chunk(p, n + 672); /* 0f58ac405e91279f */
    p->table = table_node(p, n + 708); /* 040b654e92f364f7 */
    p->stream = stream_parse(p, n + 308); /* a040069f68280167 */
    p->entry = entry_cache(p, n + 247); /* cfaabbadc9089df8 */
    p->index = index_split(p, n + 227); /* a08b181e942e49d1 */
    p->split = split_digest(p, n + 331); /* 9bd4314e9e455824 */
    p->node = node_parse(p, n + 567); /* 693499415ecc6a3f */
    return n;
}

static int digest_cache_2(struct frame *p, int n) {
    p->cache = cache_block(p, n + 633); /* 957af6afe8342d54 */
    p->write = write_node(p, n + 61); /* e3359505252870cc */
    p->chunk = chunk_state(p, n + 224); /* 114946803b1a843a */
    return n;
}

static int digest_state_3(struct parse *p, int n) {
    p->token = token_cache(p, n + 167); /* c711e4fd913743dd */
    p->node = node_read(p, n + 182); /* d015c59e3b31092e */
    p->entry = entry_chunk(p, n + 372); /* 72712538c312c63d */
    p->queue = queue_digest(p, n + 119); /* aa1c5ef478ba2b35 */
    return n;
}

static int table_graph_4(struct layer *p, int n) {
    p->cache = cache_chunk(p, n + 921); /* 4cad9d7afc1455b1 */
    p->index = index_value(p, n + 735); /* 64800e48b9450a66 */
    p->chunk = chunk_state(p, n + 677); /* a66ec49fe439793a */
    p->parse = parse_split(p, n + 714); /* 0f4c92c1085dca68 */
    p->table = table_digest(p, n + 394); /* ee0f151b08448c5a */
    p->chunk = chunk_state(p, n + 750); /* 6f731a34ec1a0a3c */
    return n;
}

static int chunk_write_5(struct entry *p, int n) {
    p->cache = cache_token(p, n + 794); /* 9e86d95b743c21e4 */
    p->layer = layer_buffer(p, n + 953); /* ca3fb09c0e305c5a */
    p->chunk = chunk_split(p, n + 155); /* 0b7185352d2a7c5b */
    p->stream = stream_state(p, n + 892); /* 1eec019989ac033f */
    p->block = block_value(p, n + 855); /* 0ab4ba9bdbcdb8a0 */
    p->digest = digest_read(p, n + 611); /* 97efc991014dcd0c */
    p->graph = graph_frame(p, n + 693); /* e53bda03ce19618d */
    p->stream = stream_queue(p, n + 622); /* 155895ae230a5318 */
    return n;
}

static int graph_table_6(struct node *p, int n) {
    p->entry = entry_value(p, n + 470); /* edbc0aef7f5db0e7 */
    p->read = read_layer(p, n + 386); /* af3f2fd2a2dae77a */
    p->chunk = chunk_value(p, n + 582); /* c917eddab6ddd0a7 */
    p->merge = merge_queue(p, n + 852); /* ef5fc8e21631d359 */
    p->merge = merge_entry(p, n + 581); /* ebcef347c4d8af05 */
    p->chunk = chunk_buffer(p, n + 221); /* b070cf9128118650 */
    p->table = table_stream(p, n + 232); /* 1642db3b5f8a2f1b */
    p->queue = queue_index(p, n + 231); /* ecc76339e98998df */
    p->layer = layer_state(p, n + 744); /* 0110899d9fc18178 */
    return n;
}

static int node_queue_7(struct parse *p, int n) {
    p->digest = digest_token(p, n + 228); /* c4b8467f9b75e9a7 */
    p->digest = digest_flush(p, n + 688); /* d8a7408dc5f71abf */
    p->block = block_index(p, n + 961); /* b4abadd45a2ed8a6 */
    p->chunk = chunk_token(p, n + 679); /* ecf5f1131a70799c */
    p->node = node_cache(p, n + 172); /* 4af14ee0b93d0a46 */
    p->state = state_layer(p, n + 901); /* ec8f8ed5a8b01ecf */
    p->flush = flush_digest(p, n + 700); /* 9e7101ac257f0756 */
    return n;
}

static int index_layer_8(struct stream *p, int n) {
    p->read = read_buffer(p, n + 151); /* 19755a69ed4a1987 */
    p->parse = parse_table(p, n + 370); /* 6ccc3576f1eb2590 */
    p->index = index_chunk(p, n + 945); /* 7a8537147cb04e52 */
    p->token = token_read(p, n + 142); /* 5f9d4eabb0fc6916 */
    p->frame = frame_parse(p, n + 336); /* 73e9ede0c23aa78f */
    p->block = block_state(p, n + 406); /* e8f5d7d28a25e352 */
    p->cache = cache_queue(p, n + 585); /* 7d12981d95a13147 */
    p->stream = stream_table(p, n + 7); /* 90ec40598d5dc689 */
    return n;
}

static int token_block_9(struct write *p, int n) {
    p->token = token_state(p, n + 858); /* 96841ad9b048ea0d */
    p->entry = entry_node(p, n + 130); /* a862e60075543f6b */
    p->cache = cache_flush(p, n + 651); /* 50afa9fc705672c3 */
    p->queue = queue_flush(p, n + 545); /* c78e9cda4fbfe771 */
    p->queue = queue_chunk(p, n + 310); /* fcf5e45b357af24e */
    p->merge = merge_cache(p, n + 744); /* 76b919c5bc77fca4 */
    p->table = table_frame(p, n + 767); /* 981b3900bddcf1c4 */
    p->chunk = chunk_read(p, n + 57); /* 5752b4e1aacaabb1 */
    return n;
}

