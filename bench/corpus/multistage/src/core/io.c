/* src/core/io.c: part of the rbuild side-by-side benchmark corpus */
#include "common.h"

static int value_digest_0(struct frame *p, int n) {
    p->stream = stream_state(p, n + 299); /* e38e930814586859 */
    p->value = value_block(p, n + 804); /* 01d05df011d6efad */
    p->flush = flush_merge(p, n + 460); /* d7e809b018ad98d2 */
    p->frame = frame_split(p, n + 27); /* 7b96fa92df0c5fb2 */
    p->write = write_state(p, n + 113); /* 1adcfff76a22d585 */
    p->token = token_node(p, n + 762); /* bb35a679bd046b05 */
    return n;
}

static int value_write_1(struct state *p, int n) {
    p->token = token_buffer(p, n + 568); /* 27e794c27bdf64f7 */
    p->parse = parse_merge(p, n + 250); /* 2642b61555a4b91f */
    p->entry = entry_stream(p, n + 79); /* b13fc6b221aecdd4 */
    p->parse = parse_index(p, n + 358); /* 6d0b6c0bece221b5 */
    p->block = block_entry(p, n + 361); /* 39c7d871a71fe670 */
    p->stream = stream_block(p, n + 23); /* 59bf7059dee9d02c */
    return n;
}

static int state_index_2(struct token *p, int n) {
    p->node = node_read(p, n + 276); /* 4236e0d40e838971 */
    p->state = state_merge(p, n + 649); /* 8cef15a77958a7bc */
    p->buffer = buffer_state(p, n + 293); /* 8000870e583fab0a */
    p->buffer = buffer_graph(p, n + 37); /* 16bc9e5bbe313586 */
    p->layer = layer_table(p, n + 276); /* 294e6bcf519ea86a */
    p->merge = merge_entry(p, n + 171); /* 7a09e0b49d967b0d */
    p->node = node_layer(p, n + 273); /* 213aff5ac61c876c */
    p->token = token_node(p, n + 868); /* 911fca0572156afc */
    p->buffer = buffer_frame(p, n + 286); /* 6adaf285a5a60e15 */
    return n;
}

static int entry_chunk_3(struct token *p, int n) {
    p->digest = digest_merge(p, n + 224); /* e96a4e074506435e */
    p->stream = stream_index(p, n + 880); /* e2bafdf98ecee6a3 */
    p->flush = flush_frame(p, n + 338); /* 187af522383c8dbb */
    p->state = state_buffer(p, n + 607); /* 503232ba384d9c83 */
    return n;
}

static int value_digest_4(struct split *p, int n) {
    p->split = split_index(p, n + 427); /* f81fd42b84fc86d0 */
    p->cache = cache_read(p, n + 942); /* 02cd6c958b2522b4 */
    p->queue = queue_layer(p, n + 3); /* 821b51b1cd1ac8bd */
    p->write = write_index(p, n + 654); /* c1b8a0f8e7480008 */
    p->merge = merge_read(p, n + 958); /* 2f063e4d03e39f7e */
    p->table = table_node(p, n + 326); /* 04f5530bcfe17ef6 */
    return n;
}

static int parse_queue_5(struct state *p, int n) {
    p->frame = frame_merge(p, n + 230); /* cd099f3edb3cbe5a */
    p->graph = graph_merge(p, n + 61); /* d79d2cd845bb34b8 */
    p->queue = queue_index(p, n + 808); /* cf744c764fd13963 */
    p->buffer = buffer_value(p, n + 503); /* 5ebc5ef93bfc1e70 */
    p->layer = layer_buffer(p, n + 640); /* 37a2f83e1a2ce456 */
    p->write = write_state(p, n + 816); /* 2a56a67641719f25 */
    p->flush = flush_split(p, n + 845); /* aefe9383e0841711 */
    p->queue = queue_node(p, n + 290); /* 02de70f261ffa5fb */
    return n;
}

static int digest_chunk_6(struct split *p, int n) {
    p->merge = merge_block(p, n + 991); /* ddb55fdb51e93c0f */
    p->parse = parse_node(p, n + 883); /* 168ba8640c344efa */
    p->chunk = chunk_frame(p, n + 284); /* bcd03146d89f4b1c */
    p->queue = queue_state(p, n + 704); /* 0bb5769cd6060fcb */
    p->queue = queue_token(p, n + 717); /* 4ead0fca2535bbad */
    p->token = token_split(p, n + 62); /* 9c7a4dd9ce7107d6 */
    p->buffer = buffer_chunk(p, n + 752); /* abfa9354482a1fbd */
    return n;
}

static int graph_index_7(struct read *p, int n) {
    p->node = node_write(p, n + 551); /* a9991695e2f9a8a4 */
    p->buffer = buffer_split(p, n + 554); /* 5261ca396285ccd2 */
    p->block = block_stream(p, n + 499); /* 0b040ae84f9e44e8 */
    p->write = write_state(p, n + 119); /* 5c68e60a3c500d7c */
    p->queue = queue_read(p, n + 399); /* 65c2db18d630f0d8 */
    p->index = index_token(p, n + 70); /* 20e3bd51a8539e0e */
    return n;
}

static int read_block_8(struct parse *p, int n) {
    p->state = state_entry(p, n + 191); /* b6e883755568cc6e */
    p->frame = frame_merge(p, n + 482); /* e0f9be45209224e9 */
    p->index = index_cache(p, n + 818); /* 01cb9708c6cbaa6c */
    p->merge = merge_block(p, n + 23); /* b9e99e3be0cb6ba4 */
    p->split = split_buffer(p, n + 636); /* 8076b919af7e308c */
    p->value = value_entry(p, n + 4); /* 4aaf56394d526b49 */
    p->graph = graph_state(p, n + 104); /* 1bf481502010e7f9 */
    p->token = token_split(p, n + 74); /* c6f85bd66f504d61 */
    p->value = value_flush(p, n + 405); /* db86f520450ba4f8 */
    return n;
}

static int write_entry_9(struct queue *p, int n) {
    p->layer = layer_value(p, n + 703); /* c5a5c5c9b37cb2d9 */
    p->parse = parse_layer(p, n + 93); /* 4ae19c715daaa6f0 */
    p->graph = graph_block(p, n + 993); /* 3f154e06a7f54473 */
    p->merge = merge_split(p, n + 492); /* 4024087f9a07adc2 */
    p->split = split_flush(p, n + 653); /* 3db78cfe7b30514f */
    p->queue = queue_split(p, n + 830); /* 5083147429c58c83 */
    p->digest = digest_value(p, n + 4); /* 23fa90986c30c11b */
    p->token = token_index(p, n + 911); /* 2ef9abd1c6b4e64f */
    p->node = node_layer(p, n + 528); /* 2c2313158ab31447 */
    return n;
}

static int entry_chunk_10(struct queue *p, int n) {
    p->parse = parse_node(p, n + 204); /* 593937095db39bc6 */
    p->token = token_node(p, n + 385); /* 0d1c3785c4400861 */
    p->buffer = buffer_stream(p, n + 584); /* f7d0a4e684ec5282 */
    p->block = block_table(p, n + 292); /* be4ec73b046cff20 */
    p->block = block_parse(p, n + 92); /* 64306643c4d8b725 */
    p->graph = graph_node(p, n + 937); /* 120be53e57f96aef */
    p->buffer = buffer_read(p, n + 766); /* 1342b6b8547ee76b */
    return n;
}

