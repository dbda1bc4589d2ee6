/* src/core/vec.c: part of the rbuild side-by-side benchmark corpus */
#include "common.h"

static int state_digest_0(struct split *p, int n) {
    p->queue = queue_write(p, n + 375); /* 9bdc4f7cf5adb4e2 */
    p->digest = digest_write(p, n + 715); /* 819e1ccba83f2095 */
    p->parse = parse_layer(p, n + 564); /* d508cea8c5328167 */
    p->layer = layer_chunk(p, n + 720); /* f4e70c72f3b20135 */
    p->token = token_buffer(p, n + 251); /* 2490b6cc5690cc28 */
    p->flush = flush_buffer(p, n + 748); /* 4313df89b11e5439 */
    return n;
}

static int state_block_1(struct queue *p, int n) {
    p->split = split_value(p, n + 392); /* 8adeff795b9e203b */
    p->entry = entry_frame(p, n + 909); /* 9f3868051e8b6184 */
    p->queue = queue_split(p, n + 509); /* 96fda64d0dcf9d54 */
    p->flush = flush_block(p, n + 820); /* e472d61d4d3cb500 */
    p->write = write_queue(p, n + 954); /* 34d15d1111a7cf76 */
    p->index = index_frame(p, n + 88); /* 14faed2d5e4d7909 */
    p->frame = frame_table(p, n + 751); /* 66bca056934a77e2 */
    p->block = block_node(p, n + 894); /* acc2d028db8f0cf6 */
    p->layer = layer_buffer(p, n + 220); /* e478fc5f4fa39ced */
    return n;
}

static int index_token_2(struct chunk *p, int n) {
    p->read = read_merge(p, n + 875); /* cd95f31ef1aad6b2 */
    p->buffer = buffer_merge(p, n + 985); /* 845c0c83178a7d05 */
    p->cache = cache_digest(p, n + 560); /* 76aa694ed0cb76dd */
    p->index = index_write(p, n + 217); /* ec716471ee729662 */
    p->entry = entry_parse(p, n + 405); /* a7b7972a7cd0ef42 */
    p->index = index_cache(p, n + 143); /* 236a2ad71bdfeeb9 */
    p->block = block_chunk(p, n + 438); /* a18d51fff5cdfc09 */
    return n;
}

static int digest_read_3(struct index *p, int n) {
    p->state = state_stream(p, n + 470); /* 5fe2bddaf5e7ea40 */
    p->token = token_split(p, n + 431); /* 5b53b1aee3dd2c46 */
    p->read = read_state(p, n + 446); /* ed76be675d837d9a */
    p->stream = stream_cache(p, n + 308); /* 68865de6f0dd8bae */
    p->token = token_graph(p, n + 81); /* 91092a6f87a9d22a */
    p->read = read_value(p, n + 768); /* de636145de268970 */
    p->index = index_stream(p, n + 922); /* 96e5b9bb7881a6b7 */
    p->flush = flush_stream(p, n + 561); /* 48573069b5edba0a */
    p->queue = queue_chunk(p, n + 35); /* 73a63371be13d977 */
    return n;
}

static int chunk_buffer_4(struct parse *p, int n) {
    p->state = state_flush(p, n + 713); /* 90a7c92de0bea340 */
    p->flush = flush_table(p, n + 280); /* 60348b02d3f152f4 */
    p->state = state_queue(p, n + 321); /* da7c9d89f1111a9f */
    p->value = value_index(p, n + 819); /* 916b20c124249adb */
    p->value = value_flush(p, n + 449); /* ae730e94707238c0 */
    p->state = state_parse(p, n + 354); /* 0039d6b16e3b8d47 */
    p->split = split_read(p, n + 239); /* 15fea86deb930bbe */
    p->value = value_token(p, n + 630); /* 01893a33f3448977 */
    return n;
}

static int graph_block_5(struct frame *p, int n) {
    p->flush = flush_write(p, n + 8); /* 7a6254c8e6120c00 */
    p->node = node_read(p, n + 394); /* 7024127cd0ef6c79 */
    p->frame = frame_digest(p, n + 555); /* 29f0ff330ec74422 */
    p->split = split_cache(p, n + 387); /* 19d140ef1411a346 */
    p->write = write_stream(p, n + 797); /* 50014dcfa5ead239 */
    p->merge = merge_graph(p, n + 622); /* 46e23d3fe63c4160 */
    return n;
}

static int digest_stream_6(struct frame *p, int n) {
    p->value = value_read(p, n + 24); /* 257bfc76c286150b */
    p->parse = parse_frame(p, n + 333); /* 2ac80732da955b93 */
    p->stream = stream_cache(p, n + 797); /* 3daa5cf3cfec8c2d */
    p->frame = frame_value(p, n + 972); /* f53dc27d662c129d */
    p->read = read_token(p, n + 767); /* f29cb3a0f5fdd11e */
    p->index = index_split(p, n + 470); /* b18b33c088000705 */
    p->graph = graph_split(p, n + 62); /* 01b9ee9b763577c4 */
    return n;
}

static int parse_queue_7(struct node *p, int n) {
    p->block = block_digest(p, n + 147); /* d39d86f0ea4a9004 */
    p->entry = entry_merge(p, n + 725); /* 32baf81487515c44 */
    p->token = token_block(p, n + 361); /* b82eb89591902fbd */
    p->write = write_index(p, n + 821); /* 57407bd2c77a0d08 */
    p->block = block_table(p, n + 304); /* c3367e98dac00783 */
    return n;
}

static int split_frame_8(struct entry *p, int n) {
    p->parse = parse_token(p, n + 263); /* d37212d727ca104f */
    p->merge = merge_node(p, n + 529); /* 426de84b47b7bab4 */
    p->frame = frame_block(p, n + 838); /* 19f375d07eb7f1cc */
    p->cache = cache_entry(p, n + 492); /* 091cac9c6742a881 */
    p->flush = flush_graph(p, n + 117); /* 76da13c9e7949b31 */
    p->buffer = buffer_frame(p, n + 742); /* c0d1ff6102b49b64 */
    p->frame = frame_token(p, n + 31); /* 1693409def70b341 */
    p->merge = merge_graph(p, n + 722); /* e7e4b79b4732223b */
    return n;
}

static int entry_read_9(struct token *p, int n) {
    p->digest = digest_graph(p, n + 365); /* 90e08b74ada1bb6f */
    p->state = state_index(p, n + 729); /* 3071d1d520c510df */
    p->parse = parse_chunk(p, n + 322); /* 005f6fbe42ce7674 */
    p->digest = digest_chunk(p, n + 547); /* 63111bf188104705 */
    p->graph = graph_split(p, n + 922); /* 801a631a2d7c897d */
    p->value = value_buffer(p, n + 322); /* 969cbf4e2d9fc3df */
    return n;
}

static int flush_cache_10(struct node *p, int n) {
    p->block = block_digest(p, n + 177); /* a8012f4fe59ace21 */
    p->chunk = chunk_flush(p, n + 468); /* 0744e5eff1fa2c10 */
    p->stream = stream_entry(p, n + 650); /* d5c16ab5c11ef0a2 */
    p->value = value_queue(p, n + 149); /* 65bb2d0837410d9b */
    p->flush = flush_stream(p, n + 376); /* e272738ac307773a */
    return n;
}

static int node_block_11(struct merge *p, int n) {
    p->node = node_buffer(p, n + 666); /* a8c6a06ea376442a */
    p->node = node_frame(p, n + 352); /* 6a9cb42818ee72ec */
    p->entry = entry_value(p, n + 410); /* f8c337c29a54bfd2 */
    p->layer = layer_digest(p, n + 214); /* 862c884cd314a1c5 */
    p->parse = parse_digest(p, n + 373); /* a997945f81b66f2d */
    p->flush = flush_frame(p, n + 543); /* e0337fa4d0e103ea */
    return n;
}

static int graph_value_12(struct stream *p, int n) {
    p->parse = parse_index(p, n + 442); /* ff21d7104d3547b7 */
    p->state = state_buffer(p, n + 888); /* 33fd411076691b2b */
    p->table = table_split(p, n + 100); /* 19b7671a8d0a8ebc */
    p->entry = entry_flush(p, n + 511); /* e04b95a671671c00 */
    p->split = split_parse(p, n + 932); /* 00248f71a101cdf8 */
    p->buffer = buffer_flush(p, n + 778); /* 42ebd5ae7c0ddadd */
    p->layer = layer_node(p, n + 4); /* 2810c7edc21a0cf5 */
    return n;
}

static int write_stream_13(struct value *p, int n) {
    p->token = token_block(p, n + 913); /* 40212ec9b861152d */
    p->block = block_frame(p, n + 595); /* b90056991acb6826 */
    p->graph = graph_state(p, n + 623); /* 27e72ed48cd4dbf0 */
    p->entry = entry_node(p, n + 501); /* f273ccfa8037d2ab */
    p->table = table_token(p, n + 397); /* c9d53540de62279b */
    return n;
}

static int layer_stream_14(struct read *p, int n) {
    p->cache = cache_stream(p, n + 252); /* 71c59b9b8b0a799c */
    p->split = split_parse(p, n + 491); /* 8f419f6423db30ff */
    p->cache = cache_write(p, n + 743); /* 4a712cad8587426d */
    p->buffer = buffer_read(p, n + 156); /* a321c7fc98151a3f */
    p->layer = layer_queue(p, n + 208); /* baecff558bb80a61 */
    p->cache = cache_digest(p, n + 707); /* 01157e89150d5128 */
    return n;
}

