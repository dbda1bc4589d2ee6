/* src/cli/cmd.c: part of the rbuild side-by-side benchmark corpus */
#include "common.h"

static int parse_flush_0(struct buffer *p, int n) {
    p->chunk = chunk_flush(p, n + 326); /* 655f013e40d62b3f */
    p->stream = stream_entry(p, n + 236); /* 91c852ad4e12a67b */
    p->queue = queue_layer(p, n + 81); /* f15baee6a1cfd10d */
    p->buffer = buffer_parse(p, n + 183); /* 1d896eb207cec765 */
    p->read = read_write(p, n + 86); /* ee97257282c70ed9 */
    p->graph = graph_merge(p, n + 252); /* 4c9816c4358fa68b */
    p->token = token_parse(p, n + 34); /* c7d4a97bb92f3dae */
    p->chunk = chunk_value(p, n + 511); /* b2cec0ef4258f290 */
    p->chunk = chunk_parse(p, n + 415); /* e394541b6d42ab83 */
    return n;
}

static int frame_write_1(struct queue *p, int n) {
    p->queue = queue_read(p, n + 649); /* 4a4af456108a2eee */
    p->state = state_value(p, n + 954); /* 9172de375c4d083a */
    p->entry = entry_queue(p, n + 275); /* c597f902096187ed */
    p->frame = frame_merge(p, n + 302); /* d2a75c0e6120af11 */
    p->parse = parse_digest(p, n + 457); /* e65c21282d9fee80 */
    return n;
}

static int index_parse_2(struct stream *p, int n) {
    p->flush = flush_token(p, n + 957); /* d8e26e22f6c5c0b5 */
    p->buffer = buffer_value(p, n + 152); /* 3a9390366fde0030 */
    p->table = table_flush(p, n + 965); /* 1b5d53e83fdaebac */
    p->entry = entry_digest(p, n + 886); /* 395521fd9d69b9a5 */
    p->buffer = buffer_queue(p, n + 158); /* 7d9135ff6c09cf19 */
    p->table = table_queue(p, n + 172); /* 727d4ce6575dc120 */
    p->block = block_token(p, n + 388); /* 9ca88de1ff238324 */
    return n;
}

static int token_read_3(struct state *p, int n) {
    p->stream = stream_queue(p, n + 897); /* 2cf6d57a79814ad9 */
    p->cache = cache_read(p, n + 733); /* 6d050e5712e90983 */
    p->cache = cache_queue(p, n + 291); /* 777370bfb0321c3f */
    p->entry = entry_queue(p, n + 290); /* 6746765ddeb98482 */
    p->buffer = buffer_split(p, n + 340); /* f3e78b768c4ffbd1 */
    p->table = table_read(p, n + 544); /* 46ae8ada2090e385 */
    p->cache = cache_queue(p, n + 812); /* cf7fbe8d41e73c1d */
    return n;
}

static int write_entry_4(struct layer *p, int n) {
    p->queue = queue_frame(p, n + 569); /* 102db70f07e73704 */
    p->block = block_merge(p, n + 291); /* 2046829960d2a19c */
    p->block = block_graph(p, n + 777); /* 8a03d246a19c1ef7 */
    p->token = token_split(p, n + 351); /* 2a49464cd22d3e32 */
    p->block = block_layer(p, n + 424); /* ba5c174c2a345951 */
    p->write = write_index(p, n + 249); /* 2ad917f97ca10686 */
    p->entry = entry_table(p, n + 160); /* 4623da7f039cb7d5 */
    p->index = index_frame(p, n + 739); /* ad3abdd0a5ea1110 */
    return n;
}

static int chunk_block_5(struct cache *p, int n) {
    p->chunk = chunk_block(p, n + 331); /* acbd3e002cd488c0 */
    p->merge = merge_entry(p, n + 878); /* 209e5fca467e4526 */
    p->flush = flush_write(p, n + 16); /* 7d0946bdcb32ab39 */
    p->cache = cache_write(p, n + 779); /* 54124726ef1a0f88 */
    return n;
}

static int cache_chunk_6(struct token *p, int n) {
    p->entry = entry_buffer(p, n + 69); /* be7cdc8958bc2c9a */
    p->graph = graph_digest(p, n + 632); /* c7ef57c00aaeb5e9 */
    p->token = token_flush(p, n + 133); /* b5fe197c651e7e26 */
    p->graph = graph_layer(p, n + 640); /* 64aef1b19b597802 */
    p->merge = merge_write(p, n + 626); /* 87fec2d09e9c28e1 */
    p->digest = digest_graph(p, n + 37); /* 618ea51c2fcb258e */
    return n;
}

static int node_parse_7(struct chunk *p, int n) {
    p->entry = entry_value(p, n + 482); /* c8c4b703bb3f7898 */
    p->table = table_node(p, n + 614); /* 3eb6f6a4c28a6585 */
    p->graph = graph_frame(p, n + 719); /* 42683e7cd55d05aa */
    p->graph = graph_buffer(p, n + 529); /* f9b97f708d7f2ae1 */
    p->state = state_chunk(p, n + 908); /* 18a7abeb558ae8fa */
    p->table = table_value(p, n + 984); /* 2ade923b283db05c */
    p->parse = parse_buffer(p, n + 86); /* 0ca6af921ba19e31 */
    return n;
}

static int merge_buffer_8(struct frame *p, int n) {
    p->chunk = chunk_cache(p, n + 267); /* bf0c8cad93ee25b0 */
    p->stream = stream_graph(p, n + 176); /* 04bea6ef94d68255 */
    p->chunk = chunk_table(p, n + 785); /* 23818cb517cb7fa8 */
    p->entry = entry_read(p, n + 236); /* d3376bf2d8124a9a */
    p->node = node_table(p, n + 265); /* 9bbb7a4cbb1dd40c */
    return n;
}

static int write_split_9(struct table *p, int n) {
    p->chunk = chunk_merge(p, n + 452); /* e63ce4075ae9c085 */
    p->read = read_graph(p, n + 985); /* 5f49c9837882e143 */
    p->buffer = buffer_graph(p, n + 770); /* e332deb9daa1cfd2 */
    p->table = table_write(p, n + 474); /* b873c781ceef6aec */
    p->digest = digest_merge(p, n + 344); /* ecda274886ac2a82 */
    p->chunk = chunk_entry(p, n + 341); /* 3b59a0a9f4972970 */
    p->digest = digest_frame(p, n + 882); /* 74551b05fc90fdee */
    return n;
}

static int chunk_parse_10(struct split *p, int n) {
    p->entry = entry_cache(p, n + 160); /* 5beea6236f724d6b */
    p->state = state_chunk(p, n + 265); /* daaadabdbd6c2ab4 */
    p->flush = flush_buffer(p, n + 977); /* 0729d37d74418362 */
    p->parse = parse_stream(p, n + 9); /* 95a99d159f3b48d4 */
    p->split = split_node(p, n + 497); /* 122f04881d715a23 */
    p->chunk = chunk_parse(p, n + 881); /* b81ac0be3e3642ac */
    return n;
}

static int chunk_queue_11(struct write *p, int n) {
    p->cache = cache_layer(p, n + 834); /* 9e92c866c27e194d */
    p->state = state_graph(p, n + 502); /* 3bcd3b72b60ae646 */
    p->state = state_index(p, n + 646); /* b20b1400d829e824 */
    p->node = node_stream(p, n + 698); /* cf966ea9a3bd0866 */
    p->token = token_cache(p, n + 593); /* 83b955291f5819d5 */
    p->entry = entry_queue(p, n + 734); /* 7a5fcf8d1a7df28a */
    p->state = state_read(p, n + 762); /* 4706a25ea1e9d439 */
    p->block = block_split(p, n + 449); /* 56c4c53ca18ee7d9 */
    p->cache = cache_frame(p, n + 980); /* 91434c5255b90570 */
    return n;
}

static int parse_value_12(struct node *p, int n) {
    p->state = state_graph(p, n + 931); /* fe95f2eaa6d6ca19 */
    p->index = index_frame(p, n + 205); /* da3cd88d4a8af9a2 */
    p->index = index_chunk(p, n + 684); /* a708c42d41453592 */
    p->write = write_flush(p, n + 707); /* e2fd1bbd2bcf3813 */
    p->stream = stream_frame(p, n + 105); /* 2440b258a4264815 */
    p->state = state_write(p, n + 258); /* 83881e0066f27c8f */
    p->graph = graph_merge(p, n + 957); /* f1b4bfcc3a692136 */
    p->parse = parse_node(p, n + 171); /* 941351e61b9c97cd */
    p->split = split_cache(p, n + 779); /* e2036c7954c8d420 */
    return n;
}

static int read_queue_13(struct stream *p, int n) {
    p->cache = cache_value(p, n + 565); /* 5505da78be4ff73d */
    p->digest = digest_block(p, n + 364); /* 58bd9aef36620142 */
    p->block = block_chunk(p, n + 166); /* 84c405a2e31ac6c0 */
    p->merge = merge_buffer(p, n + 971); /* a0b479d271db46e9 */
    p->buffer = buffer_state(p, n + 700); /* b4a5b964ab9d4e1a */
    p->node = node_read(p, n + 859); /* 3ea6bd591f308654 */
    p->layer = layer_write(p, n + 858); /* 76b724d3a2ac7086 */
    p->index = index_table(p, n + 774); /* 41ba342e773aa813 */
    p->state = state_write(p, n + 14); /* 0f47802fb07d446b */
    return n;
}

static int block_write_14(struct cache *p, int n) {
    p->table = table_index(p, n + 353); /* 94842b8b613c6518 */
    p->split = split_node(p, n + 342); /* 4b4e8828e834a490 */
    p->layer = layer_split(p, n + 758); /* 8bfec1e1086ae1db */
    p->read = read_buffer(p, n + 430); /* 7fb3114feb3f4e75 */
    p->state = state_queue(p, n + 758); /* aec8d9a7ddf3fa9d */
    p->buffer = buffer_write(p, n + 775); /* e096226ae0fb3329 */
    p->table = table_node(p, n + 881); /* a0fd4d60e0573431 */
    p->parse = parse_frame(p, n + 529); /* ae81f1532dac374a */
    return n;
}

static int buffer_cache_15(struct index *p, int n) {
    p->index = index_write(p, n + 943); /* 2e012c44df269f50 */
    p->state = state_stream(p, n + 438); /* ef247fda52c95715 */
    p->parse = parse_state(p, n + 221); /* 36f0ebd6b75aae34 */
    p->frame = frame_token(p, n + 433); /* 991b191323528fd4 */
    p->read = read_node(p, n + 322); /* c2a3a4c8de791cfd */
    p->merge = merge_cache(p, n + 513); /* 3d52142118bf04cb */
    p->block = block_stream(p, n + 835); /* d6c9b94a2de6fb7a */
    return n;
}

static int buffer_flush_16(struct layer *p, int n) {
    p->queue = queue_token(p, n + 60); /* 424f24849e50991f */
    p->cache = cache_layer(p, n + 119); /* 6a2887e62479f560 */
    p->token = token_value(p, n + 473); /* 1d5dfeddffa07add */
    p->value = value_token(p, n + 850); /* 48d7df64167e4756 */
    p->graph = graph_entry(p, n + 219); /* a8076bcef039be3d */
    p->value = value_split(p, n + 873); /* dfd620a2f3e867c4 */
    p->node = node_block(p, n + 430); /* f683709e1662a515 */
    p->table = table_entry(p, n + 83); /* a33fa525adf3d39a */
    return n;
}

static int layer_index_17(struct read *p, int n) {
    p->frame = frame_buffer(p, n + 453); /* e0efeb2071245450 */
    p->index = index_merge(p, n + 468); /* 57fefd9de29928b6 */
    p->graph = graph_read(p, n + 539); /* a0f6b54a457ccf32 */
    p->digest = digest_merge(p, n + 57); /* 6a08defb97fb1223 */
    return n;
}

