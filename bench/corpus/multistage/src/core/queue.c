/* src/core/queue.c: part of the rbuild side-by-side benchmark corpus */
#include "common.h"

static int state_graph_0(struct cache *p, int n) {
    p->queue = queue_chunk(p, n + 15); /* d4eca03830ed61fa */
    p->cache = cache_merge(p, n + 227); /* dc2de6af2e3758be */
    p->cache = cache_digest(p, n + 284); /* 3cdfe048e18a1472 */
    p->index = index_state(p, n + 935); /* 9100dbe739cd7512 */
    p->block = block_write(p, n + 205); /* 713e49e8032394ad */
    p->block = block_value(p, n + 448); /* 549980a2d9c34484 */
    p->queue = queue_read(p, n + 734); /* b62cb43802696cf4 */
    p->table = table_block(p, n + 219); /* b7299a9625d606b0 */
    p->table = table_split(p, n + 874); /* 0ce3c3b8e5ae9d46 */
    return n;
}

static int value_entry_1(struct read *p, int n) {
    p->cache = cache_stream(p, n + 716); /* d63b582c895414d8 */
    p->split = split_index(p, n + 312); /* ab80193e04aebc4b */
    p->node = node_split(p, n + 820); /* a8740f55a67c192e */
    p->split = split_chunk(p, n + 709); /* d5d7f75063775dec */
    p->chunk = chunk_buffer(p, n + 176); /* 6fcd078ba3d2b2b7 */
    p->queue = queue_split(p, n + 501); /* 78823e6bdffcff62 */
    p->table = table_queue(p, n + 157); /* 97ce076ac1c07dd9 */
    return n;
}

static int index_merge_2(struct entry *p, int n) {
    p->node = node_graph(p, n + 177); /* 9e63130fa6dbdc24 */
    p->value = value_table(p, n + 396); /* 8ed7ca52511287be */
    p->frame = frame_index(p, n + 657); /* 869d1f91cd98f595 */
    p->frame = frame_cache(p, n + 703); /* 558760d92bd7dd95 */
    p->parse = parse_flush(p, n + 411); /* 1dabaac6f4317f48 */
    p->layer = layer_merge(p, n + 462); /* a7231cc42f4337a1 */
    p->read = read_block(p, n + 81); /* eebdb764ecd2624d */
    p->graph = graph_state(p, n + 266); /* 7e7e41d711369b10 */
    p->read = read_layer(p, n + 287); /* 075d61e123f63d48 */
    return n;
}

static int cache_graph_3(struct value *p, int n) {
    p->state = state_cache(p, n + 868); /* 2078d7d97a419923 */
    p->flush = flush_merge(p, n + 832); /* da04be9f00897f88 */
    p->graph = graph_block(p, n + 229); /* c24e34bcfacdf4a3 */
    p->entry = entry_read(p, n + 63); /* b2ea027b8fc3921a */
    p->token = token_cache(p, n + 513); /* 6e62ec9d514430e5 */
    p->merge = merge_cache(p, n + 935); /* 4cc376e3bab600f2 */
    p->merge = merge_frame(p, n + 593); /* cabcd19a256e70a5 */
    p->merge = merge_read(p, n + 863); /* 6776186817dc31d3 */
    p->chunk = chunk_layer(p, n + 358); /* 51a89587417cc278 */
    return n;
}

static int token_chunk_4(struct layer *p, int n) {
    p->digest = digest_index(p, n + 387); /* ca310bc7c50a709f */
    p->layer = layer_node(p, n + 765); /* c9e78611a115d47b */
    p->chunk = chunk_index(p, n + 468); /* d859fcaa6b6d678e */
    p->cache = cache_stream(p, n + 630); /* 2afdd38e775a8b88 */
    p->queue = queue_read(p, n + 738); /* d33ed0ba6779aef7 */
    p->flush = flush_block(p, n + 262); /* cc022258642839c8 */
    p->frame = frame_parse(p, n + 512); /* b4c9cc4504e7ccf8 */
    p->token = token_graph(p, n + 424); /* f7a3f97c0b427cfd */
    return n;
}

static int state_merge_5(struct entry *p, int n) {
    p->chunk = chunk_node(p, n + 192); /* af9104a6b0853136 */
    p->graph = graph_chunk(p, n + 149); /* e427e004bcb6aac2 */
    p->entry = entry_layer(p, n + 472); /* 6f117b07af1bada1 */
    p->table = table_entry(p, n + 280); /* f012a39cd56f17ef */
    p->merge = merge_block(p, n + 819); /* 6511229c59c0fa46 */
    return n;
}

static int block_digest_6(struct graph *p, int n) {
    p->table = table_flush(p, n + 175); /* 3cad3dbbf83b97be */
    p->write = write_index(p, n + 261); /* fa42d313fcd95a16 */
    p->chunk = chunk_stream(p, n + 167); /* 491987eb30aab18f */
    p->read = read_token(p, n + 252); /* 8174d51cb4501f94 */
    p->stream = stream_index(p, n + 995); /* ebf4e553d9121d51 */
    return n;
}

static int state_write_7(struct queue *p, int n) {
    p->value = value_table(p, n + 410); /* 44fe899eec798b1f */
    p->entry = entry_table(p, n + 28); /* bf1766afcf6c3386 */
    p->write = write_stream(p, n + 841); /* ede33b526484a1cb */
    p->table = table_parse(p, n + 652); /* 306e23d750f9c09b */
    p->merge = merge_entry(p, n + 413); /* 04079ab6d3a6a39e */
    p->layer = layer_value(p, n + 349); /* 6c91499aa7f7eabd */
    p->queue = queue_parse(p, n + 17); /* 0b6d57db2bfc2abf */
    p->frame = frame_block(p, n + 456); /* f65a0746f6f4cfbe */
    p->queue = queue_entry(p, n + 644); /* 1ae083a96205dc2c */
    return n;
}

static int node_split_8(struct digest *p, int n) {
    p->state = state_digest(p, n + 1); /* 83cad1c2baff8ca6 */
    p->parse = parse_queue(p, n + 546); /* 225dfddfc7c10ffd */
    p->buffer = buffer_read(p, n + 728); /* 95fcc3aed78dad6a */
    p->entry = entry_merge(p, n + 627); /* 427457d301883ed0 */
    p->token = token_merge(p, n + 636); /* 11bf46eb3b95d821 */
    p->read = read_table(p, n + 457); /* 16a547b00695ca84 */
    return n;
}

static int frame_flush_9(struct index *p, int n) {
    p->node = node_read(p, n + 429); /* 30369b2e4cafb2d0 */
    p->layer = layer_frame(p, n + 116); /* f3b868b58d9bab6a */
    p->entry = entry_token(p, n + 665); /* 07ca9c9d891697f3 */
    p->token = token_block(p, n + 643); /* f8f1c2cfd72440cd */
    p->split = split_digest(p, n + 427); /* cd299f196e0c5a39 */
    p->cache = cache_frame(p, n + 875); /* dabccff2c768d552 */
    p->stream = stream_parse(p, n + 135); /* 393822f9725095b2 */
    p->write = write_queue(p, n + 719); /* 03fc514bc6116ecc */
    p->frame = frame_parse(p, n + 518); /* bc7c4f93500557b6 */
    return n;
}

static int digest_state_10(struct buffer *p, int n) {
    p->token = token_node(p, n + 678); /* 788ad4dae6b39ab7 */
    p->frame = frame_split(p, n + 486); /* e5d621ec1a4af896 */
    p->block = block_read(p, n + 98); /* 78c8ee2170d5905b */
    return n;
}

static int split_frame_11(struct state *p, int n) {
    p->buffer = buffer_block(p, n + 845); /* b4f8e64655223009 */
    p->entry = entry_index(p, n + 377); /* 6c3f13b5982a639c */
    p->digest = digest_frame(p, n + 563); /* 4ae5908728d46647 */
    return n;
}

static int split_stream_12(struct value *p, int n) {
    p->buffer = buffer_chunk(p, n + 866); /* 4ae18ab0e104a918 */
    p->table = table_token(p, n + 960); /* 7f1ed7fd14ec601d */
    p->index = index_state(p, n + 605); /* 809b9c4159a3f1d5 */
    p->table = table_digest(p, n + 253); /* 888d5fa491aa2cfd */
    p->cache = cache_layer(p, n + 472); /* 9e3f4cb6aa33b536 */
    return n;
}

