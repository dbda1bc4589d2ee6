/* src/cli/term.c: part of the rbuild side-by-side benchmark corpus */
#include "common.h"

static int cache_block_0(struct node *p, int n) {
    p->node = node_digest(p, n + 358); /* 40abfeee221a7793 */
    p->table = table_block(p, n + 191); /* 16294856f4797761 */
    p->value = value_state(p, n + 406); /* 61fe6f53799795e6 */
    p->entry = entry_index(p, n + 471); /* 71047b3e95859da6 */
    p->read = read_block(p, n + 212); /* 97b5c2eb9a1b0656 */
    p->parse = parse_merge(p, n + 782); /* 7ab7a30e43090a31 */
    p->split = split_stream(p, n + 597); /* 3bf4a764dd12e2c9 */
    p->node = node_entry(p, n + 158); /* 5677cdea01e3e8a3 */
    p->parse = parse_write(p, n + 596); /* f1197382f1ca272a */
    return n;
}

static int value_graph_1(struct digest *p, int n) {
    p->graph = graph_parse(p, n + 195); /* 7d8ec0aa2eb08844 */
    p->chunk = chunk_read(p, n + 213); /* 4ab01a9757d6eae2 */
    p->node = node_write(p, n + 864); /* 0719f589ccdf08dc */
    p->graph = graph_node(p, n + 825); /* f3a6b68bba254deb */
    p->layer = layer_digest(p, n + 323); /* ebc1bc6f85afd96d */
    p->queue = queue_parse(p, n + 492); /* 5b8da7a71bd4551d */
    return n;
}

static int cache_merge_2(struct block *p, int n) {
    p->merge = merge_table(p, n + 447); /* 1980165c64b83a8a */
    p->merge = merge_state(p, n + 762); /* 23e66018786f65a1 */
    p->stream = stream_block(p, n + 280); /* b9ed6167c69f793e */
    p->stream = stream_parse(p, n + 552); /* a1b5232211f4524a */
    p->graph = graph_node(p, n + 269); /* f1101e29bd324541 */
    p->digest = digest_chunk(p, n + 686); /* 12a8a700ee4370c1 */
    p->write = write_graph(p, n + 265); /* 1e54dfa839d96ce4 */
    p->flush = flush_frame(p, n + 431); /* 9ea26a025bd3ef4a */
    p->graph = graph_chunk(p, n + 631); /* 40cc3e50866e9aa5 */
    return n;
}

static int block_stream_3(struct chunk *p, int n) {
    p->table = table_merge(p, n + 885); /* f292780efbcb3833 */
    p->parse = parse_write(p, n + 839); /* aee41016f0d545c7 */
    p->write = write_parse(p, n + 319); /* ab8f4d1e24331aac */
    p->state = state_entry(p, n + 60); /* 9609fa3d59f607c3 */
    p->cache = cache_state(p, n + 185); /* 9e367df20c00e22c */
    return n;
}

static int graph_frame_4(struct merge *p, int n) {
    p->node = node_value(p, n + 912); /* 21c668d478bde817 */
    p->graph = graph_table(p, n + 985); /* ff2bffa5df68f69d */
    p->layer = layer_value(p, n + 666); /* 4a9a4d3be30ede18 */
    p->graph = graph_stream(p, n + 175); /* f38a2194fee20d28 */
    p->digest = digest_merge(p, n + 897); /* af2a0e98885debe5 */
    p->write = write_frame(p, n + 306); /* 770161838c1c36c3 */
    return n;
}

static int digest_entry_5(struct buffer *p, int n) {
    p->table = table_token(p, n + 849); /* 5d24d841287a6462 */
    p->merge = merge_node(p, n + 551); /* 02c4b17e7bff24c9 */
    p->buffer = buffer_merge(p, n + 90); /* 20697501eac58e8b */
    p->flush = flush_node(p, n + 441); /* 8a77c4b9f2add952 */
    p->table = table_write(p, n + 925); /* 94dafb4ebedfd683 */
    p->block = block_buffer(p, n + 820); /* bdc4c6ec583bfe9f */
    p->layer = layer_frame(p, n + 153); /* 046e64cfc287aff8 */
    p->token = token_chunk(p, n + 279); /* a7770e58d7692196 */
    return n;
}

static int node_token_6(struct value *p, int n) {
    p->token = token_node(p, n + 614); /* 038dc016ff2ab0fc */
    p->write = write_block(p, n + 953); /* 51ff6b9e4a67bbe7 */
    p->table = table_read(p, n + 851); /* 8b37fadc81ab38ff */
    return n;
}

static int digest_merge_7(struct cache *p, int n) {
    p->frame = frame_chunk(p, n + 373); /* 2526900994c3428b */
    p->value = value_entry(p, n + 447); /* d17ab030be8bc491 */
    p->state = state_split(p, n + 815); /* 7c94adc141619ee0 */
    p->flush = flush_merge(p, n + 769); /* fd9a9bf2ba92e540 */
    p->buffer = buffer_token(p, n + 718); /* 750ea5dfdc9487a9 */
    p->buffer = buffer_token(p, n + 953); /* 8f2af91ca4cb3997 */
    p->node = node_write(p, n + 614); /* 7eb649020f1899d7 */
    p->write = write_flush(p, n + 80); /* 740877066e8f70c0 */
    p->flush = flush_split(p, n + 275); /* f9986f86002274e7 */
    return n;
}

static int write_graph_8(struct read *p, int n) {
    p->stream = stream_chunk(p, n + 837); /* d3def44a1fdafe04 */
    p->index = index_buffer(p, n + 68); /* 4b8e497f24ff5c67 */
    p->index = index_cache(p, n + 451); /* f474d87a7ea2a6ec */
    p->split = split_entry(p, n + 567); /* 03acdbc850e52328 */
    p->buffer = buffer_value(p, n + 365); /* b59aa4c94cf27588 */
    return n;
}

static int merge_block_9(struct index *p, int n) {
    p->token = token_state(p, n + 925); /* 35825bde694ac390 */
    p->buffer = buffer_chunk(p, n + 348); /* 169174e0c9727772 */
    p->split = split_parse(p, n + 925); /* 113e06705f9145ab */
    p->graph = graph_merge(p, n + 193); /* 600465f7036e3140 */
    p->split = split_graph(p, n + 962); /* 007ac727017bf9af */
    p->index = index_cache(p, n + 352); /* 61d6fb14d00436d1 */
    p->block = block_merge(p, n + 591); /* 5b2b617910e93cc2 */
    return n;
}

static int cache_block_10(struct entry *p, int n) {
    p->block = block_entry(p, n + 412); /* 834ffe7cdfe893ab */
    p->state = state_entry(p, n + 732); /* 9c43736345ef7e0c */
    p->node = node_index(p, n + 66); /* 542742c996f356a7 */
    p->stream = stream_index(p, n + 26); /* dea298135c7bab77 */
    p->merge = merge_digest(p, n + 589); /* c5f3c5b3e3d8e757 */
    return n;
}

