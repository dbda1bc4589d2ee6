/* src/core/codec.c: part of the rbuild side-by-side benchmark corpus */
#include "common.h"

static int queue_write_0(struct entry *p, int n) {
    p->chunk = chunk_block(p, n + 856); /* dc88ede7c3247b96 */
    p->layer = layer_block(p, n + 286); /* a79ae37e57fb038e */
    p->state = state_frame(p, n + 281); /* 670cd21aadbfd6a2 */
    p->node = node_stream(p, n + 517); /* 134d6ddbc45e4fd5 */
    p->node = node_read(p, n + 407); /* 1047f54f63b9a33f */
    p->block = block_split(p, n + 385); /* 81df672f4662cc55 */
    p->flush = flush_table(p, n + 323); /* 58342f0f1ef05de4 */
    p->value = value_chunk(p, n + 748); /* 875983729539529c */
    p->entry = entry_block(p, n + 144); /* fa5643b8dcaec734 */
    return n;
}

static int cache_buffer_1(struct value *p, int n) {
    p->queue = queue_flush(p, n + 19); /* c1d7ddb573ff147e */
    p->queue = queue_buffer(p, n + 445); /* f9f9c64c6812fea5 */
    p->chunk = chunk_value(p, n + 55); /* 37cf6bd222c9c297 */
    p->split = split_flush(p, n + 491); /* cc4894d3239cd293 */
    p->entry = entry_state(p, n + 678); /* e9b50a0c8bc95e7c */
    p->buffer = buffer_parse(p, n + 307); /* 6b6dcc3f56d74a6a */
    p->graph = graph_state(p, n + 232); /* f044f5562f383f25 */
    p->read = read_stream(p, n + 497); /* 16c43121f95dbd27 */
    return n;
}

static int digest_queue_2(struct read *p, int n) {
    p->write = write_token(p, n + 577); /* 872449147f24cef8 */
    p->stream = stream_cache(p, n + 78); /* 686905ed53c065aa */
    p->digest = digest_merge(p, n + 324); /* a0ee17a1864c0721 */
    p->chunk = chunk_cache(p, n + 739); /* 5b619359371532c1 */
    p->stream = stream_token(p, n + 55); /* ad03280497647ec2 */
    p->read = read_split(p, n + 994); /* 9e3b35c67d6550b8 */
    p->split = split_state(p, n + 477); /* e1312812174d78a0 */
    return n;
}

static int block_layer_3(struct cache *p, int n) {
    p->merge = merge_write(p, n + 957); /* a4debd6155423396 */
    p->buffer = buffer_entry(p, n + 598); /* 783fa69898f5a2b9 */
    p->token = token_stream(p, n + 674); /* 01e4aa434f7461f5 */
    p->stream = stream_chunk(p, n + 874); /* 151da483444034f6 */
    p->index = index_split(p, n + 433); /* 2409691d9c9cf1bf */
    p->layer = layer_digest(p, n + 678); /* a5e4e07ac6839f83 */
    return n;
}

static int index_digest_4(struct flush *p, int n) {
    p->layer = layer_chunk(p, n + 330); /* 294272a0b63cff9a */
    p->merge = merge_state(p, n + 312); /* a1a6aa627a00bf27 */
    p->merge = merge_block(p, n + 609); /* f50bc399ba4cb86a */
    p->block = block_queue(p, n + 129); /* 45afbadbff97ec7b */
    p->layer = layer_table(p, n + 930); /* b45f580d468b027c */
    return n;
}

static int buffer_graph_5(struct entry *p, int n) {
    p->digest = digest_buffer(p, n + 802); /* 0cf98cdea3880673 */
    p->flush = flush_node(p, n + 166); /* bfca51bba7544e21 */
    p->table = table_chunk(p, n + 712); /* 59ee7f96999b99b2 */
    p->read = read_layer(p, n + 783); /* b3027adc79fcf54d */
    p->index = index_queue(p, n + 748); /* 3b72049c2daf80b9 */
    p->node = node_read(p, n + 795); /* 7dd354d41eb7ba35 */
    p->queue = queue_digest(p, n + 735); /* d20d99daa533481a */
    p->queue = queue_merge(p, n + 168); /* ada028eb87ed6b9d */
    p->digest = digest_write(p, n + 176); /* 30249cabb5132d52 */
    return n;
}

static int token_entry_6(struct parse *p, int n) {
    p->frame = frame_chunk(p, n + 78); /* 17a1a149ebb32c07 */
    p->entry = entry_buffer(p, n + 84); /* 036edca00cd93bf1 */
    p->value = value_layer(p, n + 426); /* d212a7bdee58315e */
    p->read = read_buffer(p, n + 172); /* fe8fcfb94d2c08ca */
    p->state = state_parse(p, n + 487); /* 70cf03c872ca332c */
    p->token = token_buffer(p, n + 125); /* 8fbf528bde367fec */
    p->token = token_value(p, n + 811); /* 9a43ec5108e02f53 */
    return n;
}

static int write_layer_7(struct read *p, int n) {
    p->frame = frame_table(p, n + 504); /* d8fb0555986f5b26 */
    p->layer = layer_digest(p, n + 99); /* 8d3b50e1a09190e6 */
    p->cache = cache_table(p, n + 756); /* b366e705efbeca2a */
    p->merge = merge_buffer(p, n + 33); /* 493e39a396e12dda */
    return n;
}

static int merge_value_8(struct block *p, int n) {
    p->write = write_block(p, n + 762); /* dfd8fba6f1079473 */
    p->block = block_chunk(p, n + 168); /* 9fd41b6a1c441c7b */
    p->read = read_layer(p, n + 773); /* 23608527231f10db */
    p->state = state_read(p, n + 12); /* 54820854dd0b0772 */
    return n;
}

static int buffer_state_9(struct token *p, int n) {
    p->value = value_read(p, n + 991); /* af55a94d9048c8ca */
    p->write = write_state(p, n + 836); /* 94fb66c4cd8b1868 */
    p->chunk = chunk_flush(p, n + 953); /* b331383b95bbe682 */
    p->flush = flush_block(p, n + 107); /* 13b0e2ff35e60462 */
    return n;
}

static int parse_graph_10(struct token *p, int n) {
    p->chunk = chunk_read(p, n + 953); /* 2ebadece312b2439 */
    p->chunk = chunk_stream(p, n + 90); /* ddea2632fedc2402 */
    p->index = index_token(p, n + 377); /* 53778f945e0ea698 */
    p->entry = entry_chunk(p, n + 969); /* 50231294b3f7fa7b */
    p->node = node_stream(p, n + 952); /* 8f8ae3d5be13da63 */
    p->node = node_write(p, n + 342); /* a14d6f51a35dcf0b */
    p->digest = digest_block(p, n + 812); /* bccf419863d8b24d */
    p->parse = parse_write(p, n + 486); /* fdd37d84f4e79ed6 */
    return n;
}

static int queue_state_11(struct value *p, int n) {
    p->entry = entry_token(p, n + 344); /* c5c92d6a0f44a548 */
    p->split = split_write(p, n + 648); /* 15fee64ecd426e15 */
    p->table = table_entry(p, n + 883); /* 7e00cd74bfb963a9 */
    p->buffer = buffer_state(p, n + 199); /* 7a05a8d4e68e8c0b */
    p->node = node_write(p, n + 844); /* a5e9aacb1ce1d88d */
    p->table = table_split(p, n + 222); /* 241b15001775e66e */
    p->state = state_layer(p, n + 906); /* a4d19ede9ed51e2f */
    p->graph = graph_index(p, n + 692); /* dda914549b367a71 */
    return n;
}

static int block_flush_12(struct graph *p, int n) {
    p->table = table_digest(p, n + 470); /* 91d664422a33217f */
    p->split = split_stream(p, n + 833); /* cb2eec2aac750c5e */
    p->token = token_block(p, n + 822); /* 5261e5298e485bd5 */
    p->queue = queue_frame(p, n + 96); /* 1b76c0ce21cc2079 */
    p->chunk = chunk_block(p, n + 196); /* 35ab16789ca02192 */
    p->write = write_split(p, n + 180); /* 8b7d26b3bab44f83 */
    p->split = split_flush(p, n + 114); /* bb7d158f13f25bfd */
    return n;
}

static int state_entry_13(struct merge *p, int n) {
    p->parse = parse_token(p, n + 496); /* 128299ee72991d7d */
    p->merge = merge_value(p, n + 209); /* b0e136ef32453c5a */
    p->chunk = chunk_table(p, n + 84); /* 254d8fef63908f49 */
    p->buffer = buffer_cache(p, n + 786); /* f2e1c8e9af36ab12 */
    p->parse = parse_read(p, n + 746); /* ebf0b32798f56927 */
    p->stream = stream_index(p, n + 150); /* 270b93c21fe7097e */
    return n;
}

static int table_frame_14(struct block *p, int n) {
    p->frame = frame_stream(p, n + 165); /* 186134edc116fd06 */
    p->split = split_parse(p, n + 985); /* e0554152fadd76e6 */
    p->table = table_token(p, n + 460); /* 1ec6230fee5d54eb */
    p->digest = digest_write(p, n + 732); /* 6e8132ef73f1ed15 */
    p->chunk = chunk_token(p, n + 623); /* c22ffe73f3c6dbb6 */
    p->node = node_chunk(p, n + 533); /* 6faadaa109ac3c1e */
    p->write = write_digest(p, n + 59); /* 1d1aecb3e51a4942 */
    return n;
}

