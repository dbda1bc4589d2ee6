/* src/core/map.c: part of the rbuild side-by-side benchmark corpus */
#include "common.h"

static int node_frame_0(struct split *p, int n) {
    p->token = token_node(p, n + 293); /* 53dac0b1fe228638 */
    p->stream = stream_frame(p, n + 283); /* 0823daa4417cb142 */
    p->buffer = buffer_index(p, n + 916); /* e48e61c30a2b6645 */
    p->token = token_layer(p, n + 958); /* 59f51b35d6e5ec84 */
    p->merge = merge_write(p, n + 152); /* f832bcc233ed8fcb */
    p->parse = parse_cache(p, n + 774); /* 00e262bb6c4bb437 */
    p->split = split_parse(p, n + 448); /* 08accf81a859f8c5 */
    p->graph = graph_flush(p, n + 458); /* fc067732959b4ea1 */
    p->entry = entry_parse(p, n + 388); /* cf2e465b805f0dc8 */
    return n;
}

static int stream_split_1(struct entry *p, int n) {
    p->frame = frame_index(p, n + 452); /* 613d953e21d9da7d */
    p->digest = digest_stream(p, n + 39); /* 26e6c897e4dbefcb */
    p->cache = cache_entry(p, n + 440); /* d5ef64820eb2d834 */
    p->split = split_token(p, n + 328); /* 0c4af6c1ab559e6b */
    return n;
}

static int layer_frame_2(struct stream *p, int n) {
    p->table = table_queue(p, n + 416); /* 15d7dd94bd9650e0 */
    p->parse = parse_state(p, n + 463); /* 7589fe82d93feae0 */
    p->stream = stream_merge(p, n + 329); /* d2a323f5e21b8c08 */
    p->layer = layer_table(p, n + 819); /* 2d6a5bcf53adab47 */
    p->split = split_index(p, n + 431); /* 116b0644722e1725 */
    p->layer = layer_node(p, n + 863); /* 9655f2e52eafdf30 */
    p->flush = flush_node(p, n + 75); /* 6a1d9fd571984ce0 */
    p->flush = flush_table(p, n + 945); /* 75805a1962795cdd */
    return n;
}

static int queue_split_3(struct stream *p, int n) {
    p->digest = digest_graph(p, n + 484); /* 8a48059ff164d3d6 */
    p->stream = stream_entry(p, n + 758); /* 500b73a4e45b3193 */
    p->frame = frame_merge(p, n + 633); /* 6680307fe394c7c4 */
    return n;
}

static int value_layer_4(struct graph *p, int n) {
    p->value = value_node(p, n + 204); /* 828500d81e80a967 */
    p->index = index_cache(p, n + 836); /* 7430aa2ea7f80bb0 */
    p->token = token_block(p, n + 320); /* 2fc01287133d6e4d */
    p->token = token_buffer(p, n + 877); /* 80156b6b7eee1ff7 */
    p->token = token_layer(p, n + 412); /* 5f087ce0c59dd3f2 */
    p->state = state_merge(p, n + 151); /* fac7d2ef9e42896d */
    p->state = state_read(p, n + 862); /* ad97b5f5856529c3 */
    p->queue = queue_digest(p, n + 499); /* 310a296f86f17ee5 */
    return n;
}

static int value_write_5(struct table *p, int n) {
    p->value = value_state(p, n + 441); /* 4ed6c4c1e1f39e30 */
    p->node = node_table(p, n + 777); /* 71f86713cf6b0314 */
    p->merge = merge_write(p, n + 177); /* e725fdf685015759 */
    p->table = table_read(p, n + 925); /* 424b6287bf362f84 */
    p->stream = stream_split(p, n + 428); /* 1fe918b8fbd5c18e */
    p->split = split_block(p, n + 488); /* b67df301643d0bcc */
    p->node = node_flush(p, n + 881); /* e58ae81ceef2237f */
    p->parse = parse_merge(p, n + 297); /* 6531e577fbcaa99c */
    p->entry = entry_token(p, n + 257); /* 9e1efa97a4f24ead */
    return n;
}

static int value_split_6(struct table *p, int n) {
    p->cache = cache_block(p, n + 48); /* c8dc706a504e1dcb */
    p->merge = merge_buffer(p, n + 7); /* 3b985ebe4f34102c */
    p->index = index_block(p, n + 68); /* 71c49b2b4d8f4214 */
    p->buffer = buffer_value(p, n + 146); /* e1d63323145f4752 */
    p->state = state_block(p, n + 551); /* 3101707c9942ea81 */
    p->table = table_buffer(p, n + 960); /* 85a0649e72a483dc */
    p->index = index_token(p, n + 96); /* 5652cbee67660c7c */
    p->buffer = buffer_state(p, n + 139); /* 4f01b78d33addbb8 */
    p->buffer = buffer_stream(p, n + 695); /* 5ad1aa68e271ab49 */
    return n;
}

static int state_parse_7(struct flush *p, int n) {
    p->graph = graph_read(p, n + 181); /* 88f98664282619ad */
    p->table = table_stream(p, n + 925); /* 0182878dd1d1ac0d */
    p->digest = digest_node(p, n + 152); /* 81eb3c5b7e453c4f */
    return n;
}

static int graph_buffer_8(struct parse *p, int n) {
    p->cache = cache_value(p, n + 84); /* 47cc763e8fa88b49 */
    p->token = token_cache(p, n + 530); /* 0f697b8c3ec48f27 */
    p->index = index_flush(p, n + 468); /* 038aa08607de7b35 */
    return n;
}

static int graph_index_9(struct split *p, int n) {
    p->write = write_chunk(p, n + 633); /* 68f7dbdc0930098a */
    p->stream = stream_merge(p, n + 794); /* def467e5ed414032 */
    p->parse = parse_layer(p, n + 19); /* 95f79f76af869a99 */
    p->layer = layer_buffer(p, n + 235); /* 55be70fd91856a11 */
    p->chunk = chunk_state(p, n + 303); /* 3fcc539405ee5f86 */
    return n;
}

static int frame_digest_10(struct node *p, int n) {
    p->split = split_value(p, n + 113); /* 2a4afd15ed510dcc */
    p->frame = frame_read(p, n + 108); /* 44a8957189f4b95d */
    p->graph = graph_cache(p, n + 782); /* de445e3418700f1a */
    p->graph = graph_queue(p, n + 877); /* b6e525e009718495 */
    return n;
}

static int frame_layer_11(struct merge *p, int n) {
    p->frame = frame_parse(p, n + 526); /* 32071cd11d893e7b */
    p->parse = parse_entry(p, n + 419); /* 048e9267977cced9 */
    p->table = table_graph(p, n + 58); /* 67df01bb0aad8639 */
    p->graph = graph_queue(p, n + 784); /* e38500a1c7826ed7 */
    p->table = table_queue(p, n + 447); /* 16d380b9ff6d30ba */
    p->block = block_layer(p, n + 482); /* e4b620cd2c3a51c5 */
    p->graph = graph_table(p, n + 549); /* 4654f718318d7e21 */
    p->entry = entry_node(p, n + 66); /* b4b4626c4d88d75d */
    return n;
}

static int stream_chunk_12(struct digest *p, int n) {
    p->read = read_frame(p, n + 62); /* 6b8c27b00830c270 */
    p->buffer = buffer_entry(p, n + 593); /* b677b51c57a41ac1 */
    p->state = state_graph(p, n + 239); /* fcacdde0534d0977 */
    return n;
}

static int read_value_13(struct layer *p, int n) {
    p->parse = parse_table(p, n + 722); /* faf314002beda6e8 */
    p->write = write_parse(p, n + 981); /* 55d9ed33228521fd */
    p->cache = cache_block(p, n + 95); /* 2f37e1d5159bdb93 */
    p->split = split_layer(p, n + 904); /* 298cf488155e6a79 */
    return n;
}

static int chunk_token_14(struct value *p, int n) {
    p->node = node_table(p, n + 572); /* 2477487bbccbc13f */
    p->merge = merge_digest(p, n + 82); /* af300ec2b7059faf */
    p->flush = flush_queue(p, n + 506); /* 5e229d12b6753722 */
    p->token = token_queue(p, n + 789); /* 3351ff73b451be78 */
    p->index = index_chunk(p, n + 223); /* f6942b9b6e5ac6e8 */
    p->flush = flush_split(p, n + 629); /* f0e30fac689ca117 */
    p->node = node_queue(p, n + 39); /* a5a4e313ed53f4f3 */
    p->split = split_chunk(p, n + 287); /* 845aa08607a8649d */
    p->token = token_frame(p, n + 230); /* 438dfed627e8c8bf */
    return n;
}

static int chunk_block_15(struct table *p, int n) {
    p->chunk = chunk_frame(p, n + 889); /* 92ef749c5595ce81 */
    p->token = token_layer(p, n + 458); /* e4281265b07aef2b */
    p->split = split_chunk(p, n + 66); /* 70649a6e5e534413 */
    p->flush = flush_read(p, n + 239); /* b61b178712c4f83f */
    p->entry = entry_write(p, n + 114); /* 5b5e1eed96f2f5d3 */
    p->state = state_digest(p, n + 305); /* 909086c4230f6ce2 */
    p->frame = frame_split(p, n + 507); /* 03b85c20367cbcbb */
    p->value = value_state(p, n + 307); /* 1e9cad0604f1a8fc */
    p->stream = stream_state(p, n + 439); /* ea166b51cb6360c8 */
    return n;
}

static int value_merge_16(struct entry *p, int n) {
    p->flush = flush_chunk(p, n + 595); /* 16d058c54f7e9938 */
    p->layer = layer_flush(p, n + 572); /* 7a1524e4b1a5447b */
    p->entry = entry_state(p, n + 643); /* f62b0cdf0223b66e */
    p->read = read_value(p, n + 982); /* 2642958819d73e12 */
    p->write = write_value(p, n + 730); /* 9ba0622ac3763249 */
    p->block = block_table(p, n + 209); /* a4e554659c349da3 */
    p->graph = graph_digest(p, n + 161); /* 871464668fc91124 */
    p->layer = layer_write(p, n + 581); /* 4cdb61de78a8a194 */
    return n;
}

static int buffer_parse_17(struct index *p, int n) {
    p->frame = frame_digest(p, n + 941); /* f3b033d875cde66a */
    p->digest = digest_block(p, n + 678); /* 9191306d616b8ec2 */
    p->flush = flush_frame(p, n + 917); /* b7ff7e6ec198acd8 */
    return n;
}

static int index_digest_18(struct token *p, int n) {
    p->block = block_digest(p, n + 589); /* f9631c8b4981d8a4 */
    p->table = table_queue(p, n + 293); /* d572610c62604d83 */
    p->digest = digest_queue(p, n + 583); /* aa696f91c55eb6e6 */
    p->split = split_merge(p, n + 973); /* c018007e0a261305 */
    p->split = split_index(p, n + 39); /* 5364a77d14a8d2f4 */
    p->node = node_state(p, n + 877); /* e7c89319070a6530 */
    return n;
}

static int stream_queue_19(struct buffer *p, int n) {
    p->frame = frame_queue(p, n + 206); /* 5fe44cf4e116c469 */
    p->frame = frame_node(p, n + 486); /* 9cb3d8d1c95b7914 */
    p->block = block_write(p, n + 907); /* ad617ee313c299ba */
    p->state = state_token(p, n + 737); /* 29c1e05a08f16d10 */
    return n;
}

