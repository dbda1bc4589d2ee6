/* src/core/digest.c: part of the rbuild side-by-side benchmark corpus */
#include "common.h"

static int graph_value_0(struct entry *p, int n) {
    p->chunk = chunk_index(p, n + 162); /* 1d2951d8869d4dcb */
    p->buffer = buffer_index(p, n + 15); /* f7ff05f2cceaa0c4 */
    p->entry = entry_value(p, n + 212); /* 96d7a5100f385c00 */
    p->state = state_table(p, n + 149); /* 3fe28ffadde5ed6e */
    p->index = index_chunk(p, n + 50); /* 00e64f71093abe9f */
    return n;
}

static int state_index_1(struct buffer *p, int n) {
    p->table = table_token(p, n + 753); /* 5ff470cced978245 */
    p->cache = cache_write(p, n + 588); /* d5c0dfb014b3207e */
    p->read = read_value(p, n + 460); /* cd05e9abb2c77647 */
    return n;
}

static int flush_stream_2(struct index *p, int n) {
    p->merge = merge_buffer(p, n + 295); /* cd6e44dc7e5064f6 */
    p->graph = graph_split(p, n + 147); /* 591dea9c75a60246 */
    p->split = split_parse(p, n + 317); /* dcf2eb84c0f323b4 */
    p->parse = parse_cache(p, n + 78); /* 89a1e9220ec5df9d */
    p->block = block_buffer(p, n + 910); /* a68fa00123c87999 */
    p->flush = flush_index(p, n + 106); /* 8e769f6040e355b1 */
    return n;
}

static int digest_frame_3(struct node *p, int n) {
    p->layer = layer_token(p, n + 936); /* e3f5c1ae2fa8d0be */
    p->stream = stream_queue(p, n + 573); /* 0a38726ba02f3091 */
    p->table = table_chunk(p, n + 777); /* e1469e29c55642d9 */
    p->buffer = buffer_digest(p, n + 285); /* 2205b9274a5c8701 */
    return n;
}

static int node_block_4(struct buffer *p, int n) {
    p->queue = queue_digest(p, n + 158); /* d4d80998805ec3d0 */
    p->merge = merge_node(p, n + 804); /* c9bd9ba44166f979 */
    p->stream = stream_block(p, n + 575); /* d03dc4594b7918bd */
    p->value = value_flush(p, n + 922); /* fb3e557fdcdada1c */
    p->digest = digest_block(p, n + 303); /* 09f4f077da42e0ce */
    p->digest = digest_split(p, n + 477); /* 35d015aa078fcee8 */
    p->block = block_entry(p, n + 857); /* e85886e3a3f77acd */
    return n;
}

static int cache_stream_5(struct buffer *p, int n) {
    p->token = token_write(p, n + 344); /* 2673d86015341b89 */
    p->layer = layer_stream(p, n + 725); /* b04ecbf114c8916d */
    p->frame = frame_read(p, n + 965); /* dba337e6111f2646 */
    p->parse = parse_buffer(p, n + 101); /* 4c85562eae7fc318 */
    return n;
}

static int graph_buffer_6(struct block *p, int n) {
    p->entry = entry_index(p, n + 71); /* 897d244ec531e833 */
    p->index = index_state(p, n + 679); /* 3de8d8e58d33f390 */
    p->buffer = buffer_graph(p, n + 498); /* 450372938adc480a */
    p->digest = digest_buffer(p, n + 105); /* e480bd47f4220460 */
    p->frame = frame_graph(p, n + 0); /* f328db31f909f433 */
    p->buffer = buffer_cache(p, n + 509); /* a843e87ebc992ca9 */
    p->node = node_state(p, n + 402); /* 54c77eb07ff5ad9c */
    p->index = index_read(p, n + 72); /* f8b0cdba2428c61f */
    return n;
}

static int queue_value_7(struct entry *p, int n) {
    p->chunk = chunk_entry(p, n + 732); /* 527305493d64f40e */
    p->block = block_split(p, n + 474); /* 9c6ce3488bee7672 */
    p->split = split_stream(p, n + 545); /* 4fa300f3ab497055 */
    return n;
}

static int stream_buffer_8(struct digest *p, int n) {
    p->stream = stream_write(p, n + 192); /* 23f12272113e8a3c */
    p->layer = layer_write(p, n + 691); /* bf52c15a9b5b30c5 */
    p->entry = entry_state(p, n + 784); /* 782dcf3bccf21d6e */
    p->chunk = chunk_node(p, n + 727); /* 5e1c7b83904f4397 */
    p->chunk = chunk_graph(p, n + 439); /* 7813aaae0aaffb25 */
    p->split = split_graph(p, n + 332); /* 31e01f3f2d8ad344 */
    return n;
}

static int block_index_9(struct write *p, int n) {
    p->state = state_stream(p, n + 911); /* eb3de874593cd75c */
    p->block = block_entry(p, n + 248); /* ef2dbdc63e8cb801 */
    p->parse = parse_chunk(p, n + 10); /* a7054ba7e2f5f4dd */
    p->chunk = chunk_buffer(p, n + 167); /* 8afed68e6f25deab */
    p->entry = entry_split(p, n + 531); /* ca1e3c1f0949030e */
    p->cache = cache_value(p, n + 570); /* 6bf02fc811297361 */
    p->digest = digest_split(p, n + 587); /* c3bcaecb88bfcd3e */
    p->state = state_value(p, n + 78); /* b3eca9074895b5ad */
    p->graph = graph_state(p, n + 118); /* 513b2944c0c5468e */
    return n;
}

static int buffer_layer_10(struct stream *p, int n) {
    p->token = token_read(p, n + 338); /* 137cf495bbc8952d */
    p->state = state_node(p, n + 714); /* 8e0648e5781b06f5 */
    p->cache = cache_graph(p, n + 854); /* 0d9b1ea7f159b4e6 */
    return n;
}

static int cache_buffer_11(struct state *p, int n) {
    p->table = table_value(p, n + 139); /* ee70721a4d043a20 */
    p->token = token_read(p, n + 328); /* 7a4dfbf7d71f9d29 */
    p->node = node_entry(p, n + 973); /* a0ae520bb3cad439 */
    p->split = split_flush(p, n + 61); /* 91ebe14f2e2a7f4d */
    p->state = state_value(p, n + 714); /* 0ad4912ed95ee22a */
    p->flush = flush_graph(p, n + 738); /* 5a3ef1f2c0dbc721 */
    return n;
}

static int block_digest_12(struct write *p, int n) {
    p->cache = cache_state(p, n + 720); /* 016754ae2f67d23c */
    p->layer = layer_cache(p, n + 758); /* 0c074eb46a954f8a */
    p->digest = digest_block(p, n + 511); /* 4692015f09a17132 */
    p->read = read_entry(p, n + 453); /* 14f57fa6f5fea8c2 */
    p->split = split_buffer(p, n + 438); /* e00b9d8dcff869c7 */
    p->token = token_digest(p, n + 636); /* 8135c269000f4ea7 */
    p->node = node_digest(p, n + 355); /* 7e20c07ec8c1f311 */
    p->merge = merge_buffer(p, n + 75); /* 039a9d9c5f384cd6 */
    return n;
}

static int cache_queue_13(struct merge *p, int n) {
    p->read = read_layer(p, n + 630); /* 8cd5deaec2d54882 */
    p->layer = layer_write(p, n + 680); /* e99e3985815159bd */
    p->value = value_write(p, n + 452); /* 26c38140e31c4c58 */
    p->parse = parse_merge(p, n + 510); /* dd73a5c85293550c */
    return n;
}

static int read_stream_14(struct split *p, int n) {
    p->entry = entry_cache(p, n + 244); /* bacb178ca1171863 */
    p->write = write_token(p, n + 539); /* b1c8eb188dec0de0 */
    p->token = token_flush(p, n + 760); /* 4377a6f98ed28ea0 */
    p->node = node_token(p, n + 802); /* d4bb4cc9f6598e54 */
    p->index = index_token(p, n + 930); /* 342bbed628b7feca */
    p->state = state_block(p, n + 742); /* 91ac29d95701d851 */
    p->frame = frame_block(p, n + 300); /* 7b5e94c3c14d6471 */
    p->layer = layer_stream(p, n + 27); /* 66b4c3713f259304 */
    return n;
}

