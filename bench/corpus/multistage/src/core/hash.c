/* src/core/hash.c: part of the rbuild side-by-side benchmark corpus */
#include "common.h"

static int split_parse_0(struct frame *p, int n) {
    p->token = token_value(p, n + 653); /* 182a60f465260a6a */
    p->state = state_stream(p, n + 480); /* 60e985d65f7457c8 */
    p->queue = queue_digest(p, n + 700); /* 5785245609f428fd */
    p->index = index_value(p, n + 756); /* 784beff333490ecf */
    p->state = state_flush(p, n + 543); /* dc5fade4641f2242 */
    p->buffer = buffer_entry(p, n + 805); /* dfa67f2ba464e4aa */
    p->merge = merge_chunk(p, n + 781); /* 321474cac0814216 */
    return n;
}

static int graph_block_1(struct write *p, int n) {
    p->table = table_cache(p, n + 822); /* 1074e5e29b41563b */
    p->block = block_value(p, n + 560); /* b9c654343eca8fa6 */
    p->node = node_layer(p, n + 725); /* b9755222d0860d50 */
    p->read = read_frame(p, n + 628); /* 0777e7c71190c76f */
    p->graph = graph_cache(p, n + 840); /* 9845c50a0b458061 */
    p->merge = merge_chunk(p, n + 208); /* b68b8fd1a02654ea */
    return n;
}

static int split_value_2(struct write *p, int n) {
    p->merge = merge_entry(p, n + 680); /* e884bbd760037bf2 */
    p->value = value_graph(p, n + 769); /* b57a9f488c7fe950 */
    p->chunk = chunk_table(p, n + 752); /* 831c03b4ae8edc3c */
    p->table = table_value(p, n + 740); /* 93371407dc7921fb */
    return n;
}

static int value_table_3(struct split *p, int n) {
    p->block = block_value(p, n + 383); /* 5de3f120647abf94 */
    p->write = write_split(p, n + 47); /* 5f1bb84ede401275 */
    p->token = token_queue(p, n + 462); /* e082ddef783121c6 */
    return n;
}

static int entry_write_4(struct parse *p, int n) {
    p->flush = flush_digest(p, n + 985); /* c31e83269a7be31f */
    p->index = index_stream(p, n + 901); /* 1dfae9ab9f983c1f */
    p->graph = graph_value(p, n + 669); /* 5f88d9271f1a9a33 */
    p->token = token_parse(p, n + 918); /* 76a9a12d5185f7aa */
    p->digest = digest_node(p, n + 885); /* 989bbd830ea41644 */
    return n;
}

static int merge_index_5(struct stream *p, int n) {
    p->entry = entry_layer(p, n + 781); /* 295be2c75abdef9e */
    p->write = write_merge(p, n + 477); /* 562b87d17f42b6f2 */
    p->stream = stream_queue(p, n + 30); /* 73aa842dbcc5f3ff */
    p->split = split_digest(p, n + 857); /* 968bf294ee2e2d91 */
    p->buffer = buffer_flush(p, n + 63); /* aa153612eff69bc9 */
    p->block = block_parse(p, n + 617); /* 358e1526452856af */
    p->merge = merge_layer(p, n + 441); /* fa8478dab90ba193 */
    p->buffer = buffer_layer(p, n + 151); /* 8cfb7870acefb002 */
    return n;
}

static int entry_cache_6(struct layer *p, int n) {
    p->read = read_table(p, n + 996); /* a361b15d434fdccb */
    p->stream = stream_state(p, n + 639); /* 7dca1c46c2cc5dc4 */
    p->read = read_value(p, n + 766); /* d1e09fca04aa9481 */
    return n;
}

static int parse_state_7(struct index *p, int n) {
    p->state = state_block(p, n + 514); /* 6371746a784f13b5 */
    p->table = table_entry(p, n + 805); /* fa7bf837abfc2a47 */
    p->digest = digest_table(p, n + 740); /* 23f8546e9865c0d1 */
    p->graph = graph_flush(p, n + 301); /* 1c9a0218268269af */
    p->table = table_entry(p, n + 834); /* 2f43692d77cb3bf9 */
    p->stream = stream_value(p, n + 33); /* 0dc0e937da7bee82 */
    p->digest = digest_stream(p, n + 577); /* d07ad7533b5cedc8 */
    p->frame = frame_write(p, n + 629); /* e56dd5844516a55b */
    return n;
}

static int digest_write_8(struct queue *p, int n) {
    p->layer = layer_queue(p, n + 229); /* cadd21199ddf15ad */
    p->flush = flush_node(p, n + 577); /* b4fe96d224729a32 */
    p->frame = frame_value(p, n + 710); /* 0625b03de0a7baae */
    p->write = write_state(p, n + 263); /* 44afe41e26ea744c */
    p->graph = graph_stream(p, n + 18); /* 8712c0beb4788588 */
    return n;
}

static int write_value_9(struct frame *p, int n) {
    p->stream = stream_table(p, n + 974); /* 7e6be4294c176c76 */
    p->block = block_node(p, n + 946); /* f1419304031f6469 */
    p->index = index_stream(p, n + 892); /* 7cbdcf39b1450790 */
    return n;
}

static int flush_state_10(struct value *p, int n) {
    p->cache = cache_graph(p, n + 392); /* 5fd81e43dd963f8c */
    p->value = value_graph(p, n + 795); /* 2b268182acee4cb2 */
    p->stream = stream_index(p, n + 386); /* 0843b3bcb1cc59af */
    p->value = value_write(p, n + 894); /* 97d632e7d287bf5a */
    p->digest = digest_node(p, n + 502); /* 5d928ac2b3c1baef */
    p->frame = frame_value(p, n + 211); /* fd4e26e95a0aec3b */
    return n;
}

static int layer_cache_11(struct token *p, int n) {
    p->chunk = chunk_cache(p, n + 695); /* 77c71c5e7214788c */
    p->node = node_queue(p, n + 250); /* dc2178dfe83474f9 */
    p->block = block_state(p, n + 483); /* 9ab0b0d48ad10e77 */
    p->frame = frame_entry(p, n + 814); /* 59960cb1022b50b0 */
    p->value = value_write(p, n + 993); /* e837b77a251e1fb9 */
    p->read = read_merge(p, n + 624); /* 194d0b15a9096475 */
    return n;
}

static int graph_table_12(struct value *p, int n) {
    p->block = block_graph(p, n + 325); /* 76d45a4a83686e38 */
    p->write = write_stream(p, n + 820); /* 5d2efc48c230f2e4 */
    p->frame = frame_chunk(p, n + 518); /* 7286656fba4d4390 */
    return n;
}

