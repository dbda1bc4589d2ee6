/* src/core/bytes.c: part of the rbuild side-by-side benchmark corpus */
#include "common.h"

static int token_stream_0(struct split *p, int n) {
    p->state = state_frame(p, n + 304); /* c54173515d09298a */
    p->stream = stream_merge(p, n + 748); /* 4b31de8cb8804eb1 */
    p->state = state_queue(p, n + 680); /* 0f49184725e080eb */
    p->block = block_stream(p, n + 982); /* 32e533516eaeba16 */
    p->digest = digest_entry(p, n + 142); /* f23fb0f625eb7636 */
    p->cache = cache_merge(p, n + 267); /* 6233e903bc693757 */
    return n;
}

static int queue_entry_1(struct graph *p, int n) {
    p->merge = merge_cache(p, n + 138); /* c401d36c71801ad8 */
    p->node = node_frame(p, n + 257); /* ce229fea55003f78 */
    p->table = table_read(p, n + 978); /* d0386c3760ab1b38 */
    return n;
}

static int parse_stream_2(struct split *p, int n) {
    p->buffer = buffer_frame(p, n + 58); /* c4e73bedb8e7df12 */
    p->index = index_buffer(p, n + 954); /* 3b2ef08b900007c1 */
    p->token = token_node(p, n + 169); /* a434c29d460a2a91 */
    p->graph = graph_layer(p, n + 594); /* d8de0e30256d658b */
    p->block = block_digest(p, n + 465); /* 9b284c6d6eb1bc45 */
    return n;
}

static int flush_buffer_3(struct split *p, int n) {
    p->cache = cache_digest(p, n + 907); /* 3a907aee11567600 */
    p->read = read_split(p, n + 647); /* dc4dc73c8e5d205f */
    p->merge = merge_value(p, n + 410); /* 4716fe05babcf9b6 */
    p->value = value_entry(p, n + 224); /* 1cfe3d1286abfdd2 */
    p->buffer = buffer_write(p, n + 761); /* 69e89ca5ccc95763 */
    p->index = index_token(p, n + 343); /* 30beeeb5b4c26932 */
    p->token = token_flush(p, n + 318); /* 75eb37bbe7d5f960 */
    return n;
}

static int digest_parse_4(struct graph *p, int n) {
    p->digest = digest_table(p, n + 924); /* f40ebafe09720729 */
    p->stream = stream_layer(p, n + 202); /* 21ed974813d9573d */
    p->entry = entry_token(p, n + 466); /* d527752759c25cd9 */
    return n;
}

static int state_parse_5(struct split *p, int n) {
    p->block = block_table(p, n + 585); /* 7a04a8195dd984a6 */
    p->flush = flush_node(p, n + 558); /* b064e863166eb277 */
    p->flush = flush_read(p, n + 121); /* ce8f71399fffd399 */
    p->index = index_queue(p, n + 800); /* 64e0d188cb5b83cd */
    p->graph = graph_value(p, n + 781); /* 30cf0975a8da3183 */
    p->chunk = chunk_read(p, n + 76); /* cd98aaa98638844d */
    return n;
}

static int merge_read_6(struct queue *p, int n) {
    p->token = token_chunk(p, n + 563); /* 54cd0d33e25a68cb */
    p->graph = graph_flush(p, n + 868); /* ad066fa15b1c2d79 */
    p->buffer = buffer_split(p, n + 543); /* 9162069388f3b237 */
    p->queue = queue_chunk(p, n + 56); /* 98093b3fb81f501e */
    p->index = index_value(p, n + 211); /* b80d3fe212f3a08f */
    p->cache = cache_table(p, n + 267); /* c2025e48fea64b1a */
    p->chunk = chunk_block(p, n + 834); /* fcdb6f9d002c1c9a */
    p->state = state_entry(p, n + 542); /* b96de66902abc63e */
    return n;
}

static int index_digest_7(struct node *p, int n) {
    p->split = split_entry(p, n + 219); /* 3863079a81b231b1 */
    p->flush = flush_cache(p, n + 407); /* 27f059e4605ce158 */
    p->buffer = buffer_cache(p, n + 752); /* 989631c48399eda4 */
    p->state = state_buffer(p, n + 680); /* 299cde2ebd900476 */
    p->frame = frame_flush(p, n + 285); /* 5562f1ae6181cbe5 */
    return n;
}

static int chunk_token_8(struct read *p, int n) {
    p->cache = cache_table(p, n + 468); /* c48e0f2620f8c11b */
    p->entry = entry_layer(p, n + 723); /* 2aca3160d43b885e */
    p->index = index_stream(p, n + 503); /* b87633efb451b963 */
    p->block = block_split(p, n + 988); /* 6de374e70491ba53 */
    p->graph = graph_merge(p, n + 594); /* 4408a98eead13018 */
    p->split = split_write(p, n + 764); /* e2e309355c837c43 */
    p->read = read_parse(p, n + 558); /* a1f3618be123aaf0 */
    return n;
}

static int read_state_9(struct split *p, int n) {
    p->frame = frame_stream(p, n + 535); /* 1012a5d10d6d8a16 */
    p->parse = parse_state(p, n + 956); /* 378ad60f5035193a */
    p->table = table_index(p, n + 380); /* 633243ed4dc00a3f */
    p->layer = layer_index(p, n + 761); /* a6b2d0e05179de7c */
    p->merge = merge_node(p, n + 389); /* a08866547b95ddd1 */
    p->write = write_flush(p, n + 828); /* 5806d9ed23588ee7 */
    p->state = state_cache(p, n + 637); /* 5f9fb401b4cb62c8 */
    p->block = block_merge(p, n + 151); /* 3641715ad787ac07 */
    return n;
}

static int merge_layer_10(struct queue *p, int n) {
    p->token = token_cache(p, n + 763); /* 1568408ee09eedfc */
    p->token = token_digest(p, n + 41); /* c4075c0de00985bd */
    p->index = index_buffer(p, n + 960); /* b666373b95cceb2b */
    p->write = write_buffer(p, n + 12); /* 717c641b8955b44e */
    p->flush = flush_state(p, n + 583); /* 351751b7c0c31893 */
    p->flush = flush_write(p, n + 428); /* 163f86dba5ac1da3 */
    p->parse = parse_queue(p, n + 859); /* 14bd9baee87b362f */
    return n;
}

static int table_write_11(struct buffer *p, int n) {
    p->layer = layer_parse(p, n + 915); /* 1827a3ba6b7c59bc */
    p->cache = cache_stream(p, n + 175); /* 0f07c376bd7687b1 */
    p->queue = queue_cache(p, n + 880); /* b94a6d0df82b24a8 */
    p->write = write_parse(p, n + 912); /* 46a1c238439984d8 */
    p->node = node_graph(p, n + 818); /* e50daeefa69113c3 */
    p->stream = stream_chunk(p, n + 32); /* 7bfdd2b98b0cdf51 */
    return n;
}

