/* src/core/alloc.c: part of the rbuild side-by-side benchmark corpus */
#include "common.h"

static int entry_node_0(struct block *p, int n) {
    p->parse = parse_table(p, n + 406); /* ab3e1d352e7abed5 */
    p->graph = graph_frame(p, n + 304); /* 9fddb5fef1217709 */
    p->node = node_parse(p, n + 891); /* e6f6dabf9c86269b */
    p->flush = flush_chunk(p, n + 884); /* daaf6ec4a380626b */
    return n;
}

static int parse_buffer_1(struct read *p, int n) {
    p->flush = flush_write(p, n + 181); /* 151bc8cc9eddb5e7 */
    p->layer = layer_digest(p, n + 445); /* fc1a4092aac30727 */
    p->entry = entry_layer(p, n + 379); /* b28290975f1bfb25 */
    p->digest = digest_write(p, n + 804); /* 04fb185653c70a70 */
    p->entry = entry_flush(p, n + 631); /* 70d43907babeab11 */
    return n;
}

static int state_node_2(struct frame *p, int n) {
    p->node = node_stream(p, n + 232); /* 704540b76a0154ad */
    p->cache = cache_read(p, n + 448); /* 9c1726bc0cab9e0c */
    p->flush = flush_cache(p, n + 310); /* 127f92fd7d21e6ef */
    p->frame = frame_block(p, n + 689); /* e48041e66744c1d7 */
    p->split = split_block(p, n + 190); /* cc734f07942c400c */
    p->entry = entry_write(p, n + 713); /* 711dd766a6d0acfd */
    p->cache = cache_node(p, n + 604); /* 48ddf357eb7e7766 */
    p->buffer = buffer_split(p, n + 19); /* 12e5cdb42dbf91d3 */
    return n;
}

static int entry_frame_3(struct digest *p, int n) {
    p->table = table_value(p, n + 277); /* 69b49c88cedaa119 */
    p->queue = queue_token(p, n + 243); /* 3efde658b0f9c8e1 */
    p->value = value_queue(p, n + 461); /* c0861ed07b7891b0 */
    p->split = split_read(p, n + 60); /* d110da0e0ca2c4c9 */
    p->block = block_frame(p, n + 601); /* 2b074368a0104466 */
    p->split = split_layer(p, n + 491); /* 95fb57cc46dc5ccc */
    p->entry = entry_frame(p, n + 5); /* aa4f64a96ce61254 */
    p->read = read_layer(p, n + 254); /* 0cc3cc3930fa067c */
    p->entry = entry_write(p, n + 49); /* 09f9bedf9be4e6d2 */
    return n;
}

static int buffer_write_4(struct graph *p, int n) {
    p->block = block_frame(p, n + 38); /* d3d534dcc84c0690 */
    p->flush = flush_parse(p, n + 648); /* 31c4d8ed4c4e830e */
    p->digest = digest_read(p, n + 365); /* 5e9a207893409a6b */
    p->entry = entry_frame(p, n + 805); /* f85b1d84097d8b09 */
    p->split = split_cache(p, n + 477); /* aab94b4261b274fb */
    p->index = index_cache(p, n + 542); /* 98c5dc2bd58a1c20 */
    return n;
}

static int entry_queue_5(struct block *p, int n) {
    p->merge = merge_state(p, n + 664); /* d850ed356bc866fd */
    p->graph = graph_queue(p, n + 760); /* f4c49da1d89cbd80 */
    p->node = node_entry(p, n + 588); /* 01fe7573a2eb3522 */
    p->merge = merge_read(p, n + 125); /* 5fb8eb9ebb5cb686 */
    p->split = split_merge(p, n + 775); /* 06c7f30e1fff9bf6 */
    p->merge = merge_value(p, n + 960); /* 0d399f5a91f8c40c */
    p->state = state_write(p, n + 813); /* e7c99e14703c2848 */
    p->block = block_index(p, n + 431); /* 8d4a8160281dc5a4 */
    p->state = state_table(p, n + 796); /* 439ae336d7c1145d */
    return n;
}

static int value_merge_6(struct write *p, int n) {
    p->layer = layer_table(p, n + 527); /* 7e2b560b2270105d */
    p->digest = digest_entry(p, n + 58); /* afae61a7bd255b68 */
    p->flush = flush_state(p, n + 595); /* 7ded5b2d3e2bf769 */
    p->node = node_state(p, n + 950); /* 506b3b4ad6dc286e */
    return n;
}

static int node_flush_7(struct write *p, int n) {
    p->cache = cache_entry(p, n + 21); /* 766560c65222cbc6 */
    p->buffer = buffer_frame(p, n + 897); /* b64e34c58be77ad4 */
    p->stream = stream_read(p, n + 267); /* bd2b98167a003700 */
    p->merge = merge_chunk(p, n + 839); /* 6473acd415ac7d40 */
    p->table = table_parse(p, n + 157); /* 9e16ba6002be9eaf */
    p->chunk = chunk_graph(p, n + 741); /* 5fff67c6ef323a6f */
    p->entry = entry_flush(p, n + 60); /* 9b0ac9d297237824 */
    p->token = token_value(p, n + 618); /* cbc895a6d7fe6400 */
    p->entry = entry_split(p, n + 655); /* 43de4b4f305764ae */
    return n;
}

