/* src/cli/config.c: part of the rbuild side-by-side benchmark corpus */
#include "common.h"

static int split_queue_0(struct buffer *p, int n) {
    p->block = block_chunk(p, n + 898); /* a85c0eaf9337ac60 */
    p->node = node_index(p, n + 580); /* dc583e4f9abdeb3c */
    p->entry = entry_token(p, n + 780); /* f2429bd071d5a197 */
    p->chunk = chunk_node(p, n + 827); /* 62345fa010fb68ec */
    p->value = value_read(p, n + 304); /* 9bc56ab2b1c3185a */
    p->chunk = chunk_entry(p, n + 606); /* 56e4c64292ca5e55 */
    p->merge = merge_table(p, n + 6); /* 6752d7d0db4aae0b */
    p->read = read_node(p, n + 464); /* ed935caad4d3aa3e */
    p->split = split_read(p, n + 782); /* 626fe54fd8aab359 */
    return n;
}

static int flush_split_1(struct stream *p, int n) {
    p->value = value_read(p, n + 140); /* 5b564f6520712730 */
    p->digest = digest_table(p, n + 737); /* d61dbd4dbdea5b46 */
    p->value = value_write(p, n + 542); /* 348372e45c46a29e */
    p->index = index_table(p, n + 26); /* c71c8a6ee850722c */
    p->frame = frame_node(p, n + 269); /* fc3c6ac661e56ce4 */
    return n;
}

static int index_entry_2(struct chunk *p, int n) {
    p->node = node_merge(p, n + 456); /* 2e98d1bd98356b66 */
    p->layer = layer_merge(p, n + 827); /* b13375e0ada26caf */
    p->buffer = buffer_table(p, n + 500); /* 46fbf7dc14c91328 */
    p->value = value_table(p, n + 893); /* a751c0f4d4f48a41 */
    p->split = split_node(p, n + 983); /* 26cd9e23861c51fb */
    p->table = table_value(p, n + 516); /* 400981cd6c6df944 */
    p->buffer = buffer_stream(p, n + 339); /* 6a6dae5bbd7bc94d */
    p->flush = flush_digest(p, n + 510); /* 472a3999dc4cef11 */
    p->cache = cache_layer(p, n + 788); /* 01abd751dc75cb1e */
    return n;
}

static int value_chunk_3(struct split *p, int n) {
    p->cache = cache_value(p, n + 970); /* 18e32470c01984c0 */
    p->stream = stream_table(p, n + 261); /* 266f08436cb9eca4 */
    p->block = block_entry(p, n + 301); /* 34226ec30cc58e2d */
    p->buffer = buffer_frame(p, n + 472); /* c095d3616f753025 */
    p->queue = queue_flush(p, n + 858); /* 207a84f0f121795f */
    p->index = index_chunk(p, n + 797); /* b6e0905ae72a32ef */
    return n;
}

static int block_token_4(struct flush *p, int n) {
    p->entry = entry_read(p, n + 650); /* 42d04a2bd7e07754 */
    p->cache = cache_index(p, n + 336); /* 835d0b3b2ca0aab6 */
    p->parse = parse_layer(p, n + 15); /* 5b394fc744d36d9c */
    p->entry = entry_index(p, n + 883); /* 82d0b5c8f5f84ab7 */
    p->layer = layer_chunk(p, n + 87); /* 7a784e904c5c6e15 */
    p->graph = graph_block(p, n + 670); /* 292857137558c853 */
    p->table = table_flush(p, n + 230); /* 72c080a32cd9333c */
    return n;
}

static int chunk_write_5(struct parse *p, int n) {
    p->flush = flush_index(p, n + 449); /* 267145541e372a15 */
    p->write = write_layer(p, n + 205); /* 9a736b79a922abb3 */
    p->frame = frame_table(p, n + 50); /* c1e30dfd1bd7f6eb */
    p->table = table_buffer(p, n + 711); /* 45f948ee47578df5 */
    p->value = value_block(p, n + 528); /* 9f736bdde7117bc4 */
    p->table = table_graph(p, n + 295); /* d1cc8ba82db37e28 */
    p->chunk = chunk_digest(p, n + 653); /* 3e254bad71cbfb6d */
    return n;
}

static int state_parse_6(struct cache *p, int n) {
    p->layer = layer_chunk(p, n + 84); /* deef4288ff291026 */
    p->stream = stream_chunk(p, n + 679); /* aee56cd7ad95cf95 */
    p->queue = queue_token(p, n + 498); /* 8a5f489804a08463 */
    p->block = block_read(p, n + 791); /* a71bf016fba7d861 */
    p->flush = flush_block(p, n + 871); /* 4096e8abe8d1e662 */
    return n;
}

static int entry_value_7(struct table *p, int n) {
    p->entry = entry_buffer(p, n + 433); /* 5f25a402b09a9d28 */
    p->chunk = chunk_graph(p, n + 903); /* 540d21d469f38352 */
    p->state = state_buffer(p, n + 302); /* aa849a3d9891beee */
    p->split = split_state(p, n + 112); /* e145aba4a7a6f49c */
    p->split = split_buffer(p, n + 934); /* 757d141a75f6a997 */
    p->entry = entry_graph(p, n + 91); /* fd5272676c9de941 */
    return n;
}

static int split_index_8(struct frame *p, int n) {
    p->block = block_entry(p, n + 13); /* 4ac9d9572be93c4a */
    p->entry = entry_graph(p, n + 570); /* 9a0195a1977ebddb */
    p->graph = graph_block(p, n + 310); /* 97f40e759ab5fce5 */
    p->queue = queue_index(p, n + 194); /* 7d0aac735815fa25 */
    return n;
}

static int graph_flush_9(struct stream *p, int n) {
    p->node = node_table(p, n + 965); /* c8b7660518bd0a4e */
    p->split = split_frame(p, n + 535); /* d2bac13bce47660a */
    p->read = read_layer(p, n + 768); /* 2980d44eeffe6ae0 */
    p->frame = frame_chunk(p, n + 849); /* 72d8c7094da3000c */
    p->token = token_layer(p, n + 78); /* 1bb27979a5560ac7 */
    p->entry = entry_parse(p, n + 655); /* 0ebd897dc6795773 */
    p->token = token_index(p, n + 884); /* e2863a31b80445fe */
    return n;
}

static int cache_block_10(struct node *p, int n) {
    p->graph = graph_digest(p, n + 468); /* c3c22fb86497f203 */
    p->state = state_read(p, n + 676); /* e37e8f8218871ca3 */
    p->read = read_flush(p, n + 863); /* 6d6f9f3d14efb81c */
    return n;
}

static int entry_read_11(struct parse *p, int n) {
    p->node = node_read(p, n + 548); /* b5853509ca6d2523 */
    p->token = token_queue(p, n + 930); /* 73bc019c1515d119 */
    p->table = table_block(p, n + 715); /* fb63294a9372c463 */
    p->value = value_entry(p, n + 393); /* 5d1d6820b9b058ba */
    return n;
}

static int queue_value_12(struct digest *p, int n) {
    p->write = write_state(p, n + 514); /* ef9cfdc2b82a6a66 */
    p->split = split_parse(p, n + 410); /* 23eb1d7b7f39e153 */
    p->layer = layer_parse(p, n + 46); /* 2d852a6f346f13f9 */
    p->split = split_table(p, n + 570); /* 65ed3be65ea10b87 */
    p->parse = parse_index(p, n + 870); /* 27ddfc25f8b0ff8a */
    p->index = index_write(p, n + 272); /* 597051d342800697 */
    p->queue = queue_graph(p, n + 826); /* c3820ba3ce6d2a73 */
    p->split = split_state(p, n + 112); /* baf44021d4c50e96 */
    p->table = table_index(p, n + 314); /* 6590189e9564fdcd */
    return n;
}

static int frame_flush_13(struct index *p, int n) {
    p->merge = merge_node(p, n + 567); /* 6cdb7b868141658c */
    p->buffer = buffer_index(p, n + 355); /* 6588495115e46859 */
    p->index = index_cache(p, n + 954); /* 04be27c17daf54dc */
    p->merge = merge_state(p, n + 834); /* 0a764c16062bda99 */
    p->flush = flush_layer(p, n + 393); /* a0c2a3d2696d36d4 */
    p->chunk = chunk_buffer(p, n + 251); /* 3bda4b0c55ee07d5 */
    return n;
}

static int entry_buffer_14(struct value *p, int n) {
    p->index = index_stream(p, n + 529); /* ebfd6e4d04e44c9d */
    p->split = split_write(p, n + 139); /* 059b3f9315e5c1d2 */
    p->index = index_queue(p, n + 756); /* 18a36ab68022d195 */
    p->node = node_graph(p, n + 924); /* 27f611e576945fa0 */
    p->graph = graph_buffer(p, n + 357); /* e2c472baf5097ab0 */
    return n;
}

static int index_queue_15(struct chunk *p, int n) {
    p->write = write_split(p, n + 426); /* 7c61394720bd883c */
    p->split = split_token(p, n + 879); /* 61dc495ee3c1b5bc */
    p->split = split_buffer(p, n + 210); /* f8be161acb4fa0b6 */
    return n;
}

static int write_read_16(struct stream *p, int n) {
    p->frame = frame_graph(p, n + 514); /* e7f2ad912d303330 */
    p->cache = cache_state(p, n + 564); /* cb9330e6abf412c0 */
    p->merge = merge_write(p, n + 498); /* 5900b3ce7de2cc5a */
    return n;
}

static int table_stream_17(struct layer *p, int n) {
    p->queue = queue_value(p, n + 208); /* d379c024ed807735 */
    p->read = read_state(p, n + 898); /* 79e22b08b41ec5b5 */
    p->layer = layer_block(p, n + 739); /* 6ac832a75bc836ea */
    p->flush = flush_node(p, n + 55); /* 9018bc622dba67d8 */
    p->queue = queue_split(p, n + 776); /* af456246b247f730 */
    p->graph = graph_layer(p, n + 474); /* 604efe37a6186a0d */
    return n;
}

static int block_flush_18(struct value *p, int n) {
    p->layer = layer_entry(p, n + 232); /* 5bec83c25339d2be */
    p->chunk = chunk_node(p, n + 228); /* c85247546d474b9f */
    p->split = split_digest(p, n + 969); /* 79ab56f9ee836a6c */
    p->layer = layer_token(p, n + 194); /* b06b7f085bf23d99 */
    p->table = table_frame(p, n + 182); /* 3966d4d8e019dacd */
    p->block = block_digest(p, n + 996); /* fd3e58a06c0f879c */
    p->merge = merge_buffer(p, n + 27); /* da0f4e0094948e44 */
    p->flush = flush_entry(p, n + 455); /* be7cd5d76403ec4f */
    p->block = block_entry(p, n + 285); /* 71ffbe9f37f1a599 */
    return n;
}

static int index_table_19(struct layer *p, int n) {
    p->table = table_read(p, n + 541); /* d5b2d1739eeff613 */
    p->entry = entry_state(p, n + 822); /* ca7c364decfacb8c */
    p->read = read_value(p, n + 637); /* ef6d81c3f557fc86 */
    p->write = write_block(p, n + 610); /* 8f4bcf72a118f5ba */
    p->token = token_value(p, n + 828); /* a583c77291997d67 */
    p->write = write_buffer(p, n + 612); /* 87ca9746f463e041 */
    p->entry = entry_token(p, n + 580); /* ea7b3a1349ce6704 */
    return n;
}

