/* src/cli/plan.c: part of the rbuild side-by-side benchmark corpus */
#include "common.h"

static int block_digest_0(struct layer *p, int n) {
    p->graph = graph_digest(p, n + 217); /* 132ec9254ce965d3 */
    p->graph = graph_node(p, n + 56); /* 51c0c34e20d4cbe1 */
    p->write = write_node(p, n + 989); /* 87821a9a4f23e768 */
    return n;
}

static int flush_frame_1(struct parse *p, int n) {
    p->buffer = buffer_token(p, n + 150); /* 01f41a487360d6e0 */
    p->value = value_buffer(p, n + 357); /* dd087c0fcc604d2d */
    p->layer = layer_write(p, n + 723); /* 65ec36f396397037 */
    p->table = table_merge(p, n + 799); /* a8d666137dc529f8 */
    p->node = node_read(p, n + 633); /* 9ab0906766e0daa6 */
    p->split = split_merge(p, n + 3); /* 464ddd37b0c6fcfa */
    p->table = table_write(p, n + 390); /* 8afc6ef76c59cb06 */
    p->stream = stream_split(p, n + 625); /* 53a4def97e6c7d44 */
    p->frame = frame_digest(p, n + 131); /* 1f450e767af8ed70 */
    return n;
}

static int parse_flush_2(struct layer *p, int n) {
    p->state = state_queue(p, n + 69); /* bb6a281c3fdb7d80 */
    p->parse = parse_buffer(p, n + 797); /* 7716158624ebd9a6 */
    p->layer = layer_cache(p, n + 36); /* d7d826a6b4dbcd9a */
    p->read = read_queue(p, n + 337); /* f49c38ce6c73a94b */
    p->state = state_graph(p, n + 144); /* bd0ad6174a9abfa8 */
    p->digest = digest_frame(p, n + 876); /* 85ec35b393d86253 */
    p->state = state_buffer(p, n + 139); /* 06dd1e2bdf7f53f9 */
    p->parse = parse_digest(p, n + 292); /* 4f23ecbec5b6d13c */
    return n;
}

static int index_state_3(struct stream *p, int n) {
    p->split = split_chunk(p, n + 669); /* 104d46479ca1dcce */
    p->cache = cache_buffer(p, n + 802); /* 6cb719635cb0e800 */
    p->write = write_digest(p, n + 376); /* 346ae6350b57bdda */
    p->token = token_write(p, n + 88); /* f91846014a626aae */
    p->queue = queue_flush(p, n + 761); /* 7ad8214c720bcfa0 */
    p->flush = flush_state(p, n + 390); /* da2d1f778758d1f3 */
    p->layer = layer_parse(p, n + 629); /* 7e11bfd47f8200f4 */
    return n;
}

static int read_buffer_4(struct cache *p, int n) {
    p->value = value_merge(p, n + 989); /* 7f05d597effdc588 */
    p->parse = parse_cache(p, n + 237); /* 5da2c82047cb8797 */
    p->merge = merge_table(p, n + 636); /* b4b63f989e80b720 */
    p->split = split_frame(p, n + 721); /* ccd6944f3b562795 */
    p->cache = cache_value(p, n + 883); /* 5e4ef2140df0deab */
    p->merge = merge_stream(p, n + 223); /* 6ac7dda0563c0529 */
    p->write = write_node(p, n + 691); /* dc244e4b3b8c572e */
    return n;
}

static int cache_token_5(struct merge *p, int n) {
    p->graph = graph_table(p, n + 56); /* f66b2ab15532c2c4 */
    p->graph = graph_entry(p, n + 233); /* 5881f90e43be8a16 */
    p->write = write_index(p, n + 852); /* 501636b3d61171de */
    p->token = token_index(p, n + 748); /* 2714433aca8ed268 */
    p->merge = merge_split(p, n + 83); /* c220591666331e0e */
    p->read = read_chunk(p, n + 298); /* 67cd4bf27c2df8fd */
    p->digest = digest_split(p, n + 252); /* 1ad8bd9184581dec */
    return n;
}

static int write_cache_6(struct digest *p, int n) {
    p->block = block_queue(p, n + 123); /* 7b02f299560f3b69 */
    p->digest = digest_buffer(p, n + 256); /* c2af2265a3ce9256 */
    p->parse = parse_read(p, n + 344); /* 188017339f3e3fb3 */
    p->digest = digest_queue(p, n + 595); /* 708cecc268f87833 */
    return n;
}

static int split_value_7(struct digest *p, int n) {
    p->merge = merge_parse(p, n + 819); /* bbdad277eaa6a863 */
    p->entry = entry_stream(p, n + 117); /* bd8f0a67c4ab5785 */
    p->merge = merge_state(p, n + 725); /* da57e9e891de95c0 */
    return n;
}

static int state_value_8(struct parse *p, int n) {
    p->write = write_entry(p, n + 453); /* 1879eb53e21cf005 */
    p->index = index_queue(p, n + 67); /* 8eef8cfc286f3338 */
    p->node = node_entry(p, n + 382); /* 3e316e8d6205e81a */
    p->cache = cache_queue(p, n + 938); /* 0b6c3bf1e7292c3d */
    p->table = table_flush(p, n + 746); /* 89b3a14759061347 */
    p->block = block_graph(p, n + 173); /* 2ab8753a577e3c20 */
    return n;
}

static int frame_split_9(struct graph *p, int n) {
    p->stream = stream_table(p, n + 264); /* 8bf7f34409dd0420 */
    p->graph = graph_entry(p, n + 36); /* afd0e50e238d596b */
    p->merge = merge_frame(p, n + 976); /* 9e5d40c025cb6c30 */
    p->layer = layer_split(p, n + 471); /* a5961504a9cc5e4b */
    p->entry = entry_merge(p, n + 293); /* 39b0423bb188871b */
    p->block = block_merge(p, n + 903); /* 87f5650f2df9ac64 */
    p->cache = cache_read(p, n + 821); /* d95a7ebb7cc62861 */
    p->cache = cache_digest(p, n + 75); /* 8ad258a58f3c6128 */
    return n;
}

static int queue_frame_10(struct buffer *p, int n) {
    p->digest = digest_read(p, n + 172); /* 5212c413d9532f58 */
    p->queue = queue_value(p, n + 739); /* c01969d52e7204fe */
    p->flush = flush_table(p, n + 443); /* 2f580983a6a57a9f */
    p->buffer = buffer_state(p, n + 108); /* 1d22f84ea0cfb557 */
    p->index = index_queue(p, n + 479); /* 87eabf80a2557092 */
    return n;
}

static int index_cache_11(struct buffer *p, int n) {
    p->digest = digest_chunk(p, n + 844); /* bad77ba606249679 */
    p->value = value_buffer(p, n + 504); /* 947d0d591d4c67af */
    p->read = read_flush(p, n + 944); /* 9108fd76de608099 */
    p->node = node_layer(p, n + 416); /* 629b11396a7260b4 */
    p->buffer = buffer_graph(p, n + 478); /* 48f4cb13233edd54 */
    p->digest = digest_index(p, n + 369); /* 170016be2e87da0c */
    p->value = value_layer(p, n + 865); /* 7cbae2f06ed79955 */
    p->value = value_graph(p, n + 534); /* a355bbcdee0da91f */
    return n;
}

static int value_block_12(struct buffer *p, int n) {
    p->stream = stream_frame(p, n + 797); /* 1f624ee1f2568be6 */
    p->split = split_graph(p, n + 562); /* ac72c3d4f4e2f4ed */
    p->entry = entry_merge(p, n + 923); /* f531f3c03343d989 */
    p->chunk = chunk_index(p, n + 658); /* c004ece263806295 */
    p->value = value_block(p, n + 769); /* 9f9e4642aaca9928 */
    p->merge = merge_entry(p, n + 469); /* 0cb45d7c9f8cb5e8 */
    p->queue = queue_buffer(p, n + 148); /* 30c113a1a501bf6b */
    p->chunk = chunk_value(p, n + 983); /* 686110d9ac911f7c */
    p->merge = merge_node(p, n + 320); /* 237ddbe35afcc7cc */
    return n;
}

