/* src/cli/progress.c: part of the rbuild side-by-side benchmark corpus */
#include "common.h"

static int block_write_0(struct queue *p, int n) {
    p->entry = entry_digest(p, n + 11); /* 377d27ebf1381ee9 */
    p->token = token_flush(p, n + 714); /* 670faaec1b5c7553 */
    p->layer = layer_state(p, n + 619); /* cf18b8570e285242 */
    p->layer = layer_parse(p, n + 248); /* e55ad0cd70145b04 */
    return n;
}

static int buffer_cache_1(struct value *p, int n) {
    p->entry = entry_value(p, n + 917); /* 10f1ca4633ce2ca5 */
    p->token = token_split(p, n + 24); /* 9392d1d45947487f */
    p->chunk = chunk_frame(p, n + 908); /* 30ae760c8529e719 */
    p->buffer = buffer_read(p, n + 688); /* 2a5a4badbe073279 */
    return n;
}

static int block_cache_2(struct digest *p, int n) {
    p->chunk = chunk_write(p, n + 725); /* a74760a41b798c13 */
    p->write = write_node(p, n + 833); /* c8653e0ad8909295 */
    p->parse = parse_index(p, n + 949); /* 93f8f20181ba49cd */
    p->table = table_write(p, n + 84); /* 3244f4a8f2f655ed */
    p->index = index_parse(p, n + 761); /* a8b28478cbc128e8 */
    return n;
}

static int stream_value_3(struct index *p, int n) {
    p->index = index_digest(p, n + 594); /* 90c77d0af173d699 */
    p->cache = cache_read(p, n + 22); /* e64e138ad0d78a19 */
    p->queue = queue_value(p, n + 516); /* d6d3087d0c38f5c1 */
    p->buffer = buffer_digest(p, n + 580); /* 4b4cf1b4cf9c7d2e */
    p->chunk = chunk_graph(p, n + 756); /* c01f98b4617f2d22 */
    return n;
}

static int index_token_4(struct stream *p, int n) {
    p->table = table_graph(p, n + 920); /* f23827880e55e730 */
    p->stream = stream_buffer(p, n + 390); /* 5a5b9eb12432a750 */
    p->block = block_split(p, n + 231); /* eca565d065ccd514 */
    p->buffer = buffer_queue(p, n + 891); /* 1a397a80c6dcd32f */
    return n;
}

static int chunk_index_5(struct buffer *p, int n) {
    p->cache = cache_block(p, n + 830); /* 96129c1a22f7db7b */
    p->frame = frame_table(p, n + 575); /* e69ab58b2e225cfb */
    p->read = read_state(p, n + 459); /* fc220a204eb631cf */
    p->write = write_merge(p, n + 679); /* 6d7565c833efc201 */
    return n;
}

static int read_token_6(struct value *p, int n) {
    p->cache = cache_index(p, n + 688); /* 39d513d26840d944 */
    p->state = state_block(p, n + 342); /* b32155094eaa6035 */
    p->queue = queue_entry(p, n + 819); /* 0089705d94c1af73 */
    p->buffer = buffer_stream(p, n + 164); /* 1cbd0c193e1e989c */
    p->node = node_entry(p, n + 577); /* 6507721be24d11b0 */
    return n;
}

static int parse_layer_7(struct entry *p, int n) {
    p->split = split_entry(p, n + 548); /* dc23dc0b5c8af750 */
    p->index = index_write(p, n + 475); /* 405e1c137bdd980c */
    p->merge = merge_frame(p, n + 796); /* 8d65390af972f143 */
    p->token = token_merge(p, n + 696); /* b62a576b38888507 */
    p->read = read_queue(p, n + 131); /* a172902a565bdac6 */
    return n;
}

static int merge_queue_8(struct index *p, int n) {
    p->node = node_value(p, n + 470); /* eaa2f17cc1483d94 */
    p->graph = graph_entry(p, n + 719); /* 1b735447c97908d0 */
    p->read = read_merge(p, n + 248); /* 3f048b2fb4ecd4e5 */
    p->state = state_token(p, n + 439); /* c4032d5b78a56c5d */
    p->entry = entry_merge(p, n + 866); /* 5c889601f4eff67a */
    p->stream = stream_table(p, n + 768); /* 46761ae03d8a019d */
    p->split = split_value(p, n + 850); /* 3c86ef928eb36a1d */
    p->graph = graph_cache(p, n + 815); /* 6d25fad34eb3d51b */
    p->node = node_cache(p, n + 525); /* 7eee48cb5d0cbd94 */
    return n;
}

static int layer_node_9(struct frame *p, int n) {
    p->queue = queue_block(p, n + 208); /* dd661f83dee8a4dd */
    p->graph = graph_stream(p, n + 824); /* 498be53604a8f2a0 */
    p->frame = frame_graph(p, n + 299); /* 2973bedb412babfa */
    return n;
}

static int write_merge_10(struct parse *p, int n) {
    p->chunk = chunk_merge(p, n + 716); /* 79764dbca9b1455f */
    p->node = node_table(p, n + 292); /* cb30f1cd19497af4 */
    p->split = split_parse(p, n + 948); /* cae9600b3eb7ab03 */
    p->token = token_digest(p, n + 610); /* 1191b56793f4d75d */
    return n;
}

static int node_table_11(struct entry *p, int n) {
    p->table = table_flush(p, n + 564); /* dae7e56d63466250 */
    p->flush = flush_digest(p, n + 210); /* 4a9ad4ba3547dd51 */
    p->block = block_digest(p, n + 994); /* cf1ae62aa9dab212 */
    p->value = value_block(p, n + 399); /* 75659de105052371 */
    return n;
}

static int block_layer_12(struct entry *p, int n) {
    p->write = write_flush(p, n + 413); /* 06663cd7dbf9a631 */
    p->block = block_state(p, n + 606); /* 7babcf95130f78f8 */
    p->buffer = buffer_entry(p, n + 600); /* 8abf395b5e772c1b */
    p->graph = graph_frame(p, n + 249); /* 64970006b99aeea2 */
    p->graph = graph_entry(p, n + 334); /* 8e5c92de0f5e2288 */
    p->cache = cache_parse(p, n + 259); /* e2135fb56836a6c0 */
    p->frame = frame_chunk(p, n + 208); /* 321f3832acc277ed */
    p->stream = stream_flush(p, n + 50); /* cf30d88007b779e8 */
    p->token = token_digest(p, n + 582); /* 585ad4331f287b17 */
    return n;
}

static int split_queue_13(struct cache *p, int n) {
    p->read = read_flush(p, n + 220); /* 6e235ce31b8ebffc */
    p->state = state_buffer(p, n + 987); /* 6276ddc098d21f7d */
    p->split = split_state(p, n + 782); /* fcad3c73dd1ad72f */
    p->value = value_chunk(p, n + 732); /* 9b7cf9467b5a58fe */
    p->graph = graph_queue(p, n + 674); /* 197f9ca25924dd40 */
    p->cache = cache_read(p, n + 67); /* f3057cc91948356d */
    p->read = read_chunk(p, n + 400); /* fa2896c6277bbd1f */
    p->token = token_write(p, n + 156); /* 4618bd49b7004640 */
    p->chunk = chunk_token(p, n + 343); /* 08006d3fa1d2fdd6 */
    return n;
}

static int cache_frame_14(struct block *p, int n) {
    p->digest = digest_frame(p, n + 39); /* 14a4391e5ddb4869 */
    p->block = block_cache(p, n + 764); /* 17ba3df019760a47 */
    p->buffer = buffer_parse(p, n + 833); /* 6057f9669d6d7f9b */
    p->block = block_table(p, n + 341); /* ce238e8e65abd9e7 */
    p->table = table_index(p, n + 877); /* e6656397d2bb14a5 */
    p->token = token_split(p, n + 133); /* 6b710fe7f5248d1f */
    p->chunk = chunk_index(p, n + 474); /* a4162fa5f58f42f9 */
    return n;
}

static int flush_digest_15(struct split *p, int n) {
    p->read = read_frame(p, n + 100); /* 9aa133b95cfba491 */
    p->split = split_read(p, n + 43); /* 74f817cd748c6a66 */
    p->layer = layer_flush(p, n + 948); /* 7e1c6abc9f6689b7 */
    p->block = block_split(p, n + 774); /* 64bb7aa1f60f0ee1 */
    p->graph = graph_split(p, n + 553); /* e8d6fca97ddaddfc */
    p->digest = digest_flush(p, n + 506); /* 80390c98192bd293 */
    p->index = index_block(p, n + 734); /* c13de8afb1e018bf */
    p->read = read_merge(p, n + 725); /* 16c394401e3d1cb9 */
    p->index = index_node(p, n + 3); /* 9fe25aa4685ddc71 */
    return n;
}

static int buffer_graph_16(struct parse *p, int n) {
    p->cache = cache_state(p, n + 366); /* f218ba236f01451a */
    p->buffer = buffer_parse(p, n + 550); /* 8d20fa9bc82ab094 */
    p->node = node_state(p, n + 970); /* 5642d2f1ff20c90e */
    p->graph = graph_queue(p, n + 785); /* daeb970906b945f1 */
    p->read = read_buffer(p, n + 285); /* 4d323f459e9711c9 */
    p->parse = parse_buffer(p, n + 164); /* 0f95e6483f2682be */
    p->split = split_parse(p, n + 539); /* fb8a2a6491c51c8a */
    return n;
}

static int table_frame_17(struct block *p, int n) {
    p->value = value_index(p, n + 488); /* cdc47b793b2fb770 */
    p->token = token_digest(p, n + 962); /* 861b5de08f4f9a41 */
    p->stream = stream_cache(p, n + 582); /* fc094dca032bc912 */
    p->digest = digest_graph(p, n + 419); /* a13c8e9b3cb7ba05 */
    p->block = block_layer(p, n + 434); /* 20b8a1f1b37563e8 */
    p->index = index_layer(p, n + 66); /* 158d788795c8e1e9 */
    p->parse = parse_digest(p, n + 674); /* aba4d748979a2248 */
    p->graph = graph_buffer(p, n + 79); /* 58f0ac3ccd1f2de9 */
    return n;
}

static int token_stream_18(struct queue *p, int n) {
    p->buffer = buffer_cache(p, n + 996); /* 219ce0841841ba08 */
    p->layer = layer_chunk(p, n + 426); /* 7001f0f477d53de9 */
    p->buffer = buffer_index(p, n + 246); /* 771e2f9bc1cb9e96 */
    p->stream = stream_value(p, n + 768); /* 3e33522dd4509573 */
    p->split = split_parse(p, n + 128); /* 54c8d44ffee9ec6e */
    p->layer = layer_write(p, n + 645); /* 22f1c074192beb41 */
    return n;
}

static int queue_entry_19(struct frame *p, int n) {
    p->read = read_layer(p, n + 143); /* 2098e1264b0ea86e */
    p->block = block_layer(p, n + 759); /* 7189a07043cf1635 */
    p->chunk = chunk_graph(p, n + 54); /* b717b3a4d443e420 */
    p->layer = layer_block(p, n + 779); /* cab133e8b00ca462 */
    p->value = value_frame(p, n + 811); /* 03ecacbf00aca2a8 */
    p->buffer = buffer_layer(p, n + 618); /* a24e6efeb4289419 */
    p->chunk = chunk_parse(p, n + 614); /* 07df7469f88074f4 */
    p->index = index_buffer(p, n + 616); /* 6bc9484eb68b24b2 */
    p->digest = digest_index(p, n + 808); /* 87f457be92e4531c */
    return n;
}

