/* src/core/index.c: part of the rbuild side-by-side benchmark corpus */
#include "common.h"

static int index_block_0(struct table *p, int n) {
    p->layer = layer_split(p, n + 191); /* 804aaaa3a708bbdb */
    p->queue = queue_layer(p, n + 743); /* 80407376ba3ae942 */
    p->state = state_block(p, n + 793); /* 717a05cbd93d35a0 */
    p->parse = parse_buffer(p, n + 773); /* 3b0042895202dd8c */
    p->buffer = buffer_frame(p, n + 156); /* 5ae08d0c06d55fea */
    return n;
}

static int flush_queue_1(struct chunk *p, int n) {
    p->graph = graph_value(p, n + 274); /* 3cf9e3d061f4e085 */
    p->state = state_parse(p, n + 765); /* 0b286ec39c9492ab */
    p->write = write_index(p, n + 0); /* cf570ec973433411 */
    p->merge = merge_layer(p, n + 360); /* 499d020ed9877faa */
    p->frame = frame_digest(p, n + 569); /* e8b8dbdb4829ccee */
    p->stream = stream_value(p, n + 456); /* a49223ef4cec1662 */
    return n;
}

static int buffer_layer_2(struct merge *p, int n) {
    p->buffer = buffer_frame(p, n + 65); /* 24e6769911404718 */
    p->stream = stream_index(p, n + 790); /* 47e592e7533ca57d */
    p->node = node_digest(p, n + 439); /* c7298bf76d341928 */
    return n;
}

static int merge_block_3(struct table *p, int n) {
    p->stream = stream_frame(p, n + 465); /* 668e51ad70344344 */
    p->value = value_table(p, n + 517); /* e8e76d09706a6a4e */
    p->buffer = buffer_queue(p, n + 978); /* 2b342cca12d0df56 */
    return n;
}

static int chunk_buffer_4(struct table *p, int n) {
    p->layer = layer_stream(p, n + 167); /* f4e11037e052b4a0 */
    p->value = value_write(p, n + 275); /* 9af3074083fe950f */
    p->digest = digest_entry(p, n + 12); /* f36bab23eb6e7d54 */
    p->read = read_cache(p, n + 135); /* 0389b589055e9a30 */
    p->read = read_chunk(p, n + 869); /* 0184a7da30cf6d40 */
    return n;
}

static int queue_index_5(struct frame *p, int n) {
    p->flush = flush_layer(p, n + 623); /* ad96d1e35fa644a6 */
    p->merge = merge_frame(p, n + 236); /* bc887a4aebae14c5 */
    p->index = index_cache(p, n + 982); /* befb7684744efc58 */
    p->frame = frame_write(p, n + 2); /* 6cc2f8ee2968d4e4 */
    p->token = token_block(p, n + 628); /* fcc1eedcd4ff834e */
    p->index = index_parse(p, n + 830); /* 1d58309576ad465c */
    p->frame = frame_chunk(p, n + 830); /* 7a57a7487f02677a */
    p->digest = digest_table(p, n + 879); /* 8e00cee34468925b */
    return n;
}

static int state_queue_6(struct read *p, int n) {
    p->frame = frame_state(p, n + 776); /* c75bbfb81f38db9a */
    p->chunk = chunk_graph(p, n + 533); /* 45211ca677d6dccb */
    p->read = read_queue(p, n + 255); /* 2ebf6c79c2c73d39 */
    return n;
}

static int parse_index_7(struct entry *p, int n) {
    p->digest = digest_split(p, n + 341); /* 035a1f138e89aa1d */
    p->chunk = chunk_layer(p, n + 133); /* fa6178097f02391d */
    p->frame = frame_parse(p, n + 333); /* 01dabdf0fd06e669 */
    return n;
}

static int flush_table_8(struct split *p, int n) {
    p->stream = stream_write(p, n + 395); /* 5c8d9ea85baea530 */
    p->graph = graph_stream(p, n + 572); /* b4e36204330095ad */
    p->entry = entry_merge(p, n + 379); /* d64a97466ec0704c */
    p->entry = entry_read(p, n + 940); /* 3b0a2a6f863b1359 */
    p->parse = parse_split(p, n + 852); /* 4f62fed5c13fd412 */
    p->value = value_block(p, n + 301); /* 6c24dd00983d42f4 */
    return n;
}

static int value_write_9(struct block *p, int n) {
    p->graph = graph_cache(p, n + 769); /* 7a4cd8bfbed28614 */
    p->merge = merge_chunk(p, n + 615); /* 5d60bdbc70f6f99b */
    p->table = table_queue(p, n + 750); /* a5b85ccae16917fd */
    p->chunk = chunk_queue(p, n + 121); /* 2b884bf0cbb4cd1b */
    p->token = token_node(p, n + 241); /* 4fbd355401962426 */
    p->parse = parse_write(p, n + 48); /* 32d561467af81c58 */
    p->state = state_graph(p, n + 491); /* 90c9102a6eebe504 */
    p->entry = entry_layer(p, n + 376); /* 9aef0f314ce682e6 */
    return n;
}

static int node_frame_10(struct cache *p, int n) {
    p->state = state_node(p, n + 88); /* 1f2e3697eb706ac7 */
    p->chunk = chunk_table(p, n + 289); /* ce42521e9cf00bfb */
    p->state = state_chunk(p, n + 975); /* 89f1b4dcc6b0409a */
    p->entry = entry_parse(p, n + 275); /* 85ac68f703a55085 */
    p->graph = graph_buffer(p, n + 873); /* 6c09da33c00b453f */
    p->write = write_node(p, n + 322); /* 8cb2e1ded102bb36 */
    p->entry = entry_flush(p, n + 498); /* aa7101b54303a498 */
    return n;
}

static int write_layer_11(struct read *p, int n) {
    p->flush = flush_chunk(p, n + 72); /* 279227b2ecbb2c86 */
    p->chunk = chunk_read(p, n + 589); /* c959b1aa3f52ef37 */
    p->cache = cache_merge(p, n + 824); /* b8a02cb53349753b */
    p->buffer = buffer_stream(p, n + 352); /* 50231f805f831863 */
    p->read = read_table(p, n + 924); /* 74090a05b8b87b65 */
    p->write = write_layer(p, n + 59); /* a6ec4f732c09cc34 */
    p->table = table_digest(p, n + 194); /* 5d082a68b7d8c8c2 */
    return n;
}

static int entry_layer_12(struct split *p, int n) {
    p->index = index_layer(p, n + 672); /* 48904ac1f60844c3 */
    p->layer = layer_digest(p, n + 244); /* 97615798072caed5 */
    p->queue = queue_split(p, n + 791); /* d3d6afe527b74bf9 */
    p->layer = layer_graph(p, n + 156); /* 9b395d6811e395d5 */
    p->entry = entry_block(p, n + 195); /* 07a404044819fb2a */
    p->frame = frame_parse(p, n + 935); /* c4d6d363edc072be */
    return n;
}

static int index_flush_13(struct digest *p, int n) {
    p->split = split_entry(p, n + 748); /* b73261cbd8282012 */
    p->queue = queue_digest(p, n + 608); /* 8ca63c7422ff4394 */
    p->token = token_state(p, n + 728); /* 0ba60e5011063d46 */
    p->chunk = chunk_frame(p, n + 730); /* d13ff9cbe1072c34 */
    p->queue = queue_table(p, n + 195); /* b84456765b93e33d */
    p->merge = merge_flush(p, n + 861); /* be7c4534cf4025c4 */
    p->cache = cache_read(p, n + 515); /* 3abe6c67f8494e2a */
    p->table = table_queue(p, n + 24); /* 85e6078cb3a0692d */
    return n;
}

static int merge_value_14(struct node *p, int n) {
    p->flush = flush_table(p, n + 20); /* a889d71890a1acfb */
    p->node = node_layer(p, n + 438); /* c574836be3979aeb */
    p->chunk = chunk_table(p, n + 549); /* 06e0b99115039b1d */
    return n;
}

