/* src/cli/main.c: part of the rbuild side-by-side benchmark corpus */
#include "common.h"

static int split_table_0(struct graph *p, int n) {
    p->parse = parse_state(p, n + 554); /* 12c027b885dde455 */
    p->entry = entry_frame(p, n + 994); /* cdb25b31f84074f9 */
    p->write = write_node(p, n + 3); /* c08ac2d82f8397f6 */
    p->parse = parse_state(p, n + 618); /* 3bc3559601677820 */
    p->index = index_chunk(p, n + 300); /* 46293aa0735785f6 */
    return n;
}

static int state_frame_1(struct chunk *p, int n) {
    p->graph = graph_index(p, n + 946); /* 9f35289412d93d57 */
    p->graph = graph_table(p, n + 340); /* f3e988a3b9284f9a */
    p->state = state_token(p, n + 737); /* c5e9662853286a17 */
    p->node = node_token(p, n + 13); /* e2af5b1a7fef0d0f */
    p->frame = frame_entry(p, n + 145); /* a2afa23fbc51c1ec */
    p->index = index_node(p, n + 485); /* 00faa62856f487b6 */
    return n;
}

static int parse_entry_2(struct state *p, int n) {
    p->flush = flush_value(p, n + 552); /* 8be2d7cbd381aaa4 */
    p->state = state_stream(p, n + 823); /* ff139b5dbf7a4661 */
    p->write = write_table(p, n + 593); /* c2d46a10767d3cb2 */
    return n;
}

static int split_block_3(struct write *p, int n) {
    p->merge = merge_cache(p, n + 916); /* e24c80fdadf32de9 */
    p->split = split_write(p, n + 319); /* 35e2321f9c918855 */
    p->block = block_graph(p, n + 245); /* 4e7a53657a001284 */
    p->split = split_value(p, n + 801); /* 65312c71f7716e56 */
    return n;
}

static int cache_chunk_4(struct layer *p, int n) {
    p->write = write_value(p, n + 293); /* dd2fca5007566941 */
    p->flush = flush_read(p, n + 984); /* c5f240972aa5517d */
    p->write = write_entry(p, n + 422); /* c89f4b85a178d0eb */
    p->read = read_index(p, n + 589); /* 4d349fed31742957 */
    p->entry = entry_token(p, n + 871); /* d216bf04499a5f88 */
    return n;
}

static int write_queue_5(struct value *p, int n) {
    p->index = index_buffer(p, n + 542); /* deb5a67a8b620b53 */
    p->entry = entry_stream(p, n + 808); /* 07a7c7c6a80b2022 */
    p->entry = entry_state(p, n + 950); /* 7f301b6fc1669b01 */
    p->split = split_queue(p, n + 498); /* 229acb7aa6b2e1f1 */
    p->flush = flush_write(p, n + 585); /* 277f6a6906f1a1d0 */
    p->read = read_queue(p, n + 564); /* f9dd01a29411b38e */
    return n;
}

static int table_cache_6(struct split *p, int n) {
    p->chunk = chunk_merge(p, n + 256); /* e62d320f1a4da7f0 */
    p->merge = merge_state(p, n + 107); /* 8be84c4552a33e41 */
    p->buffer = buffer_chunk(p, n + 462); /* 376cd06e3fe13c97 */
    return n;
}

static int index_cache_7(struct stream *p, int n) {
    p->layer = layer_split(p, n + 389); /* addd0ef75f14da2b */
    p->state = state_read(p, n + 250); /* f6765367b528b138 */
    p->buffer = buffer_digest(p, n + 226); /* 994eaa053e17612c */
    return n;
}

static int token_stream_8(struct node *p, int n) {
    p->token = token_parse(p, n + 626); /* a6fa6835757d2b4b */
    p->state = state_parse(p, n + 749); /* ded2ab331e415c59 */
    p->digest = digest_frame(p, n + 472); /* c38b9cfefd4abd87 */
    p->index = index_frame(p, n + 687); /* 7a1b78f67b0c5b39 */
    p->node = node_chunk(p, n + 729); /* 5de67394fa297a45 */
    p->parse = parse_state(p, n + 94); /* 52f3cbec2151458b */
    p->entry = entry_parse(p, n + 843); /* 8c09369dc08283ec */
    p->merge = merge_table(p, n + 386); /* d50b567032b4bbd4 */
    return n;
}

