/* src/cli/prune.c: part of the rbuild side-by-side benchmark corpus */
#include "common.h"

static int buffer_digest_0(struct frame *p, int n) {
    p->frame = frame_stream(p, n + 954); /* ea435acfd0e22bad */
    p->index = index_node(p, n + 720); /* a9112fe5e024928b */
    p->parse = parse_merge(p, n + 201); /* a0bb83a696b1a881 */
    p->flush = flush_read(p, n + 662); /* a6ce227b46c37c72 */
    p->block = block_value(p, n + 484); /* 73eccae77316b974 */
    return n;
}

static int table_merge_1(struct layer *p, int n) {
    p->block = block_node(p, n + 199); /* c87bb28ca2fa888c */
    p->stream = stream_block(p, n + 451); /* 0affe7f1665ad49c */
    p->graph = graph_token(p, n + 144); /* bb9605ee53aa2872 */
    p->token = token_table(p, n + 895); /* 53cc77ed2f5c397c */
    p->cache = cache_entry(p, n + 267); /* 446b1913169dec8e */
    p->parse = parse_table(p, n + 870); /* 0cd05e4a73881cbd */
    return n;
}

static int chunk_frame_2(struct entry *p, int n) {
    p->parse = parse_entry(p, n + 887); /* d44b20fa0c8f26f9 */
    p->frame = frame_state(p, n + 358); /* 834dfca5548500df */
    p->value = value_cache(p, n + 847); /* 32f08f978beb3ec3 */
    return n;
}

static int node_layer_3(struct read *p, int n) {
    p->merge = merge_node(p, n + 732); /* 646bc390a0024065 */
    p->cache = cache_digest(p, n + 191); /* eacaaa1003e6ff03 */
    p->read = read_flush(p, n + 388); /* 3da3111058ae39c9 */
    p->frame = frame_write(p, n + 358); /* b81b99d3d002b636 */
    p->chunk = chunk_token(p, n + 48); /* 1ee5061e5ede5de3 */
    p->graph = graph_entry(p, n + 958); /* b901bb4693650a59 */
    p->chunk = chunk_digest(p, n + 911); /* 7b55d735ff807ba3 */
    p->split = split_buffer(p, n + 70); /* f956247199f9aaed */
    p->write = write_cache(p, n + 597); /* 09de1e36f473928d */
    return n;
}

static int entry_buffer_4(struct stream *p, int n) {
    p->queue = queue_parse(p, n + 968); /* 65532bbf7e42ed8b */
    p->state = state_frame(p, n + 337); /* 334b8af4c7322aed */
    p->read = read_token(p, n + 613); /* 2b7b9bcab0afbf95 */
    p->block = block_split(p, n + 769); /* 9836f164f28cf8cf */
    p->token = token_block(p, n + 278); /* a65ff4f97e1ce7fc */
    p->parse = parse_buffer(p, n + 650); /* 727d8400debbb6b4 */
    return n;
}

static int merge_read_5(struct token *p, int n) {
    p->merge = merge_entry(p, n + 322); /* f8f93bc2465703ae */
    p->split = split_cache(p, n + 27); /* baa65b977953f8ae */
    p->entry = entry_frame(p, n + 203); /* 9ad8d1f6579c05c4 */
    p->parse = parse_frame(p, n + 305); /* 27f43e8c19cef580 */
    p->split = split_stream(p, n + 64); /* 5a30ee87dece27db */
    return n;
}

static int layer_entry_6(struct graph *p, int n) {
    p->digest = digest_buffer(p, n + 137); /* 34a90212c1363cf9 */
    p->read = read_chunk(p, n + 23); /* 6dcb7d6cc3c447f3 */
    p->chunk = chunk_read(p, n + 728); /* 4f479b5182ea0f39 */
    p->cache = cache_block(p, n + 554); /* abbd189d561e3eb8 */
    return n;
}

static int entry_chunk_7(struct split *p, int n) {
    p->flush = flush_digest(p, n + 58); /* f58066af602b5eb3 */
    p->cache = cache_flush(p, n + 310); /* d02f61da129297d1 */
    p->buffer = buffer_node(p, n + 375); /* d966158ae42bd0f4 */
    p->cache = cache_merge(p, n + 337); /* d8fba91bca989602 */
    p->frame = frame_chunk(p, n + 306); /* f46f08f1b24c7b8c */
    p->entry = entry_index(p, n + 262); /* 26708b6993a314b0 */
    p->table = table_buffer(p, n + 845); /* 7f1e6b4e28b66e1e */
    return n;
}

static int split_state_8(struct entry *p, int n) {
    p->buffer = buffer_write(p, n + 673); /* 3b018b92f0772c6f */
    p->write = write_flush(p, n + 831); /* cc0ebfa96fae888e */
    p->graph = graph_node(p, n + 573); /* cd1edffda6fd74ea */
    p->read = read_stream(p, n + 92); /* aa682917f575a25a */
    return n;
}

static int node_read_9(struct split *p, int n) {
    p->graph = graph_state(p, n + 221); /* c0b47a4325c41342 */
    p->parse = parse_token(p, n + 16); /* 2bfdc562be8e2039 */
    p->layer = layer_buffer(p, n + 47); /* bee476b8a5c9d6cc */
    p->flush = flush_layer(p, n + 158); /* b2d474163ce4afe9 */
    return n;
}

static int merge_chunk_10(struct digest *p, int n) {
    p->read = read_index(p, n + 446); /* 20b23f00b148a041 */
    p->layer = layer_merge(p, n + 114); /* 2c9a60926eb675b5 */
    p->table = table_read(p, n + 325); /* 58b11d078be1420c */
    p->node = node_cache(p, n + 126); /* eb79fe6a82e5cacf */
    p->buffer = buffer_graph(p, n + 823); /* 384c4b567cb37d6f */
    p->block = block_stream(p, n + 119); /* 649b050afcb027bb */
    p->chunk = chunk_write(p, n + 962); /* d2ac74624b6e5d94 */
    p->entry = entry_layer(p, n + 684); /* 0568db4c8d941cb3 */
    return n;
}

static int merge_read_11(struct layer *p, int n) {
    p->read = read_token(p, n + 793); /* 691bdeba101c4275 */
    p->read = read_merge(p, n + 863); /* d90ab63eed6a355f */
    p->write = write_block(p, n + 178); /* 36f7b2bc62603939 */
    p->stream = stream_table(p, n + 979); /* d79d108c76f7380f */
    p->flush = flush_layer(p, n + 708); /* 8101e8836655873a */
    return n;
}

static int split_block_12(struct merge *p, int n) {
    p->index = index_queue(p, n + 287); /* c0fec1683f863602 */
    p->entry = entry_chunk(p, n + 867); /* 3e60a24488dbc994 */
    p->graph = graph_merge(p, n + 695); /* 674670c9d574ebb2 */
    return n;
}

static int cache_digest_13(struct chunk *p, int n) {
    p->digest = digest_stream(p, n + 182); /* f0416c13d2a5207a */
    p->read = read_merge(p, n + 136); /* 90a7cc2274510a64 */
    p->value = value_queue(p, n + 78); /* c39cead76ff09c04 */
    p->flush = flush_digest(p, n + 159); /* d80a7bc89ba91e6b */
    p->layer = layer_frame(p, n + 0); /* f873d526e0a6cdf2 */
    p->stream = stream_token(p, n + 229); /* ebba7f24bbc618bb */
    p->layer = layer_state(p, n + 931); /* bf1beb7513670878 */
    return n;
}

static int table_cache_14(struct value *p, int n) {
    p->chunk = chunk_index(p, n + 584); /* 31bb9f1ce9373186 */
    p->value = value_flush(p, n + 760); /* 713e11c3a9248cae */
    p->index = index_read(p, n + 447); /* bbe3a37f59d11354 */
    p->index = index_split(p, n + 7); /* 992e3e6ea2a60732 */
    p->table = table_value(p, n + 870); /* f8c0a903f398a34c */
    p->layer = layer_parse(p, n + 876); /* f2a7ba8724eca1cf */
    return n;
}

static int state_layer_15(struct table *p, int n) {
    p->frame = frame_table(p, n + 460); /* 2cbfa5ee47c6e4ac */
    p->parse = parse_index(p, n + 367); /* ba10c4ba589c0232 */
    p->stream = stream_queue(p, n + 439); /* c34c86f54de9e1e3 */
    p->token = token_table(p, n + 217); /* 43ec34ae1ec17f72 */
    return n;
}

static int read_entry_16(struct cache *p, int n) {
    p->chunk = chunk_block(p, n + 913); /* 4b151875624d8012 */
    p->block = block_merge(p, n + 669); /* e696638f80ea8528 */
    p->index = index_token(p, n + 755); /* 76076a47547c5efe */
    p->digest = digest_buffer(p, n + 141); /* 7ea69398f59232ab */
    p->table = table_read(p, n + 579); /* 372c67fd823bf632 */
    p->parse = parse_digest(p, n + 375); /* 0a54bbc4e5a1c3e3 */
    p->stream = stream_queue(p, n + 960); /* c0fb78b37c905d86 */
    p->value = value_table(p, n + 618); /* 70a2f88e3c21b307 */
    return n;
}

static int state_frame_17(struct split *p, int n) {
    p->entry = entry_digest(p, n + 788); /* 6d889348293cb330 */
    p->queue = queue_chunk(p, n + 494); /* 2d6e4dd0a0f6fb18 */
    p->node = node_table(p, n + 110); /* 98680f99f58ba69c */
    p->digest = digest_cache(p, n + 919); /* 2c798a5b132c06ad */
    p->read = read_table(p, n + 314); /* fd75a9a6c6fac5bc */
    p->token = token_read(p, n + 649); /* 92e5be366be19d92 */
    p->block = block_parse(p, n + 156); /* cc95a248c6768746 */
    return n;
}

static int value_state_18(struct table *p, int n) {
    p->entry = entry_node(p, n + 673); /* c9a104cb1f5e85ea */
    p->buffer = buffer_table(p, n + 858); /* 6e4c77a0a4ba4c78 */
    p->buffer = buffer_graph(p, n + 851); /* 2dd4bfd65de161a1 */
    p->value = value_merge(p, n + 410); /* cbccf6ef42fdb024 */
    p->entry = entry_cache(p, n + 484); /* 4e6c755259faed6f */
    p->cache = cache_layer(p, n + 748); /* 6fd1196b61d79169 */
    p->digest = digest_split(p, n + 705); /* 0a89bcad6b4d8a7a */
    p->value = value_parse(p, n + 546); /* df665268d70d4b1d */
    return n;
}

static int split_layer_19(struct block *p, int n) {
    p->split = split_token(p, n + 690); /* eed38f54ba8cd61c */
    p->queue = queue_index(p, n + 77); /* 19160fdb249e6d49 */
    p->token = token_table(p, n + 969); /* 086694b14557bfb7 */
    p->value = value_read(p, n + 419); /* 5ef8b47cceecba30 */
    p->chunk = chunk_layer(p, n + 758); /* aa619518bea09a80 */
    p->block = block_graph(p, n + 881); /* b9a4e2c7578e234f */
    p->state = state_block(p, n + 749); /* a0bf519fe960cb9f */
    p->layer = layer_merge(p, n + 895); /* bdf0435d22860409 */
    return n;
}

