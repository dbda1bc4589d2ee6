/* src/core/log.c: part of the rbuild side-by-side benchmark corpus */
#include "common.h"

static int value_frame_0(struct token *p, int n) {
    p->digest = digest_stream(p, n + 184); /* 4d73aebcfaa71e41 */
    p->buffer = buffer_block(p, n + 344); /* b390840515094590 */
    p->queue = queue_entry(p, n + 95); /* 7175e3dc10255c3d */
    return n;
}

static int parse_layer_1(struct graph *p, int n) {
    p->write = write_index(p, n + 653); /* 774f5a7949b22048 */
    p->cache = cache_stream(p, n + 17); /* 9b7dcb8fef22a618 */
    p->parse = parse_cache(p, n + 161); /* df76b818e82b6d20 */
    p->layer = layer_cache(p, n + 26); /* dcd77cb04c8f4395 */
    return n;
}

static int state_flush_2(struct block *p, int n) {
    p->token = token_graph(p, n + 737); /* 5fc6745003e78e18 */
    p->write = write_buffer(p, n + 802); /* 825eae8e28e1f386 */
    p->frame = frame_entry(p, n + 320); /* a1bbe75affcece5c */
    p->cache = cache_layer(p, n + 530); /* eab6f125f71cdcaa */
    p->read = read_flush(p, n + 461); /* d0ea4838adb50294 */
    p->block = block_buffer(p, n + 618); /* f18486aa10ab6fe8 */
    p->merge = merge_chunk(p, n + 262); /* 8981fa4059500eb0 */
    p->digest = digest_queue(p, n + 346); /* 4b27a3242c9bb589 */
    p->index = index_write(p, n + 878); /* d6d808844b0ae2cc */
    return n;
}

static int merge_block_3(struct node *p, int n) {
    p->block = block_parse(p, n + 266); /* 39939aebad85b2ea */
    p->queue = queue_merge(p, n + 176); /* 93000da5e8906ff7 */
    p->value = value_table(p, n + 746); /* 3fa16c7a006ab97c */
    p->cache = cache_flush(p, n + 243); /* 6f574d51e1b44951 */
    p->graph = graph_state(p, n + 143); /* 3e0da4650644a3f6 */
    p->table = table_entry(p, n + 826); /* 7e48bc0876848396 */
    p->block = block_split(p, n + 868); /* 78c6a3b1f2911f9a */
    p->graph = graph_digest(p, n + 22); /* 9be57f245b0ea247 */
    return n;
}

static int index_graph_4(struct cache *p, int n) {
    p->split = split_chunk(p, n + 298); /* 19ad8a57a98fb00d */
    p->value = value_buffer(p, n + 696); /* 27672f785209e1b1 */
    p->cache = cache_entry(p, n + 819); /* a34d464e53d7937a */
    p->buffer = buffer_layer(p, n + 865); /* e6369c26e4e8a30d */
    p->merge = merge_token(p, n + 428); /* 3a794c7279f59154 */
    return n;
}

static int table_index_5(struct write *p, int n) {
    p->write = write_entry(p, n + 996); /* 9e5edbaaeb2f217a */
    p->entry = entry_flush(p, n + 4); /* b165d735863859a3 */
    p->chunk = chunk_merge(p, n + 955); /* 0a19d0b88a9b5a52 */
    p->graph = graph_stream(p, n + 55); /* 3d17ef363b3a869d */
    p->table = table_write(p, n + 573); /* 436a40fb965f9151 */
    p->node = node_value(p, n + 127); /* 04c0ce456d2f7aa4 */
    p->block = block_write(p, n + 574); /* 074feb4451579135 */
    return n;
}

static int chunk_cache_6(struct token *p, int n) {
    p->index = index_frame(p, n + 32); /* 907c75c271489ef8 */
    p->buffer = buffer_block(p, n + 817); /* 0f23923476aec233 */
    p->queue = queue_stream(p, n + 356); /* 1d6685ee25f11219 */
    p->entry = entry_block(p, n + 310); /* 24a13d4fd504c7e2 */
    p->table = table_write(p, n + 554); /* 0155cca972aa3c3e */
    p->read = read_cache(p, n + 514); /* 9bc5c5f00c0ddc8d */
    return n;
}

static int token_value_7(struct block *p, int n) {
    p->graph = graph_index(p, n + 65); /* 81a539a70f7b2976 */
    p->block = block_flush(p, n + 472); /* f769c78bc17246f5 */
    p->split = split_token(p, n + 922); /* 612b30fca7e132f4 */
    p->cache = cache_read(p, n + 791); /* 49f02df4cbd6bab7 */
    p->node = node_queue(p, n + 256); /* c7f0e4f0d6ff68e8 */
    return n;
}

static int graph_state_8(struct table *p, int n) {
    p->digest = digest_node(p, n + 939); /* 0cec207e8c0c474e */
    p->merge = merge_frame(p, n + 420); /* e0a8b4b21aa2ee77 */
    p->write = write_node(p, n + 665); /* b1744e100311a604 */
    return n;
}

