/* src/core/chunker.c: part of the rbuild side-by-side benchmark corpus */
#include "common.h"

static int digest_value_0(struct graph *p, int n) {
    p->split = split_stream(p, n + 88); /* 3edfcd8d37fae38e */
    p->node = node_graph(p, n + 518); /* 42834e531f30fc11 */
    p->split = split_table(p, n + 85); /* 8fdb33291b975d0d */
    p->token = token_stream(p, n + 238); /* f61dd969f9b9753b */
    p->value = value_digest(p, n + 904); /* 18eba91f972e8cdc */
    p->frame = frame_table(p, n + 970); /* a3254a9a46a666f3 */
    p->entry = entry_frame(p, n + 746); /* cde1858382c742bb */
    p->split = split_queue(p, n + 495); /* 9912a81b8afbf5ed */
    p->stream = stream_block(p, n + 545); /* d501b508e689a7bf */
    return n;
}

static int buffer_digest_1(struct index *p, int n) {
    p->read = read_entry(p, n + 538); /* 3b5c9d4173b0561c */
    p->entry = entry_value(p, n + 125); /* 4a35a69dccf017bd */
    p->state = state_stream(p, n + 664); /* ba2ab6249e891548 */
    return n;
}

static int value_buffer_2(struct parse *p, int n) {
    p->graph = graph_table(p, n + 539); /* 8380326feb316885 */
    p->entry = entry_token(p, n + 960); /* a815492840eac30d */
    p->digest = digest_node(p, n + 35); /* 5726722c39dab552 */
    p->cache = cache_graph(p, n + 645); /* 6fd8c86e085e63ce */
    p->flush = flush_frame(p, n + 902); /* 272b011d04a27267 */
    p->stream = stream_value(p, n + 315); /* 94b4731fee7e5034 */
    p->flush = flush_stream(p, n + 920); /* 79c9acc855d5a926 */
    p->chunk = chunk_digest(p, n + 718); /* be3dbe0864f748ab */
    p->block = block_token(p, n + 88); /* d1c9460144c7cc61 */
    return n;
}

static int token_node_3(struct split *p, int n) {
    p->frame = frame_cache(p, n + 265); /* 5e32720d371c3ea9 */
    p->graph = graph_digest(p, n + 478); /* a072e64df9593b9a */
    p->write = write_state(p, n + 891); /* 44879aa492d192dc */
    p->layer = layer_block(p, n + 800); /* 83be866136a5cbac */
    p->stream = stream_entry(p, n + 712); /* f1c3b8b8ae4149e4 */
    p->layer = layer_read(p, n + 742); /* 2b5c2bae088c19b8 */
    p->node = node_state(p, n + 42); /* f2600880c7c81290 */
    p->buffer = buffer_layer(p, n + 423); /* 550efffa11e9daa0 */
    return n;
}

static int layer_table_4(struct queue *p, int n) {
    p->queue = queue_node(p, n + 878); /* d06c0182114f9af9 */
    p->frame = frame_cache(p, n + 403); /* 15662bd771a8cc69 */
    p->graph = graph_read(p, n + 335); /* a9827d84c4437b10 */
    p->buffer = buffer_layer(p, n + 573); /* ae0692defa6cfd5b */
    p->layer = layer_value(p, n + 526); /* 8d2cb353d7f68377 */
    p->index = index_cache(p, n + 968); /* 43641f4b77b4d660 */
    p->queue = queue_parse(p, n + 527); /* 462e47448ec7bb92 */
    p->digest = digest_table(p, n + 901); /* bb258600d71f4a11 */
    return n;
}

static int frame_parse_5(struct cache *p, int n) {
    p->frame = frame_graph(p, n + 924); /* e4aeaf13bb33c648 */
    p->parse = parse_stream(p, n + 695); /* 376175184f0d1e58 */
    p->entry = entry_index(p, n + 141); /* 1b42eba3c1af40d1 */
    p->read = read_index(p, n + 112); /* be49448d6fcdbe81 */
    p->frame = frame_index(p, n + 376); /* d9a2b7b4e213ef29 */
    p->flush = flush_buffer(p, n + 748); /* 2203aa32ac8c07ec */
    p->entry = entry_digest(p, n + 666); /* c2e6b2fb80d5afb2 */
    p->state = state_merge(p, n + 608); /* 3f6fb7511c6de7f3 */
    return n;
}

static int node_stream_6(struct chunk *p, int n) {
    p->stream = stream_chunk(p, n + 211); /* d9190ceec91e79b0 */
    p->split = split_graph(p, n + 214); /* 3c1a379f169825ab */
    p->queue = queue_graph(p, n + 151); /* 769bfa645fbbe639 */
    return n;
}

static int merge_node_7(struct queue *p, int n) {
    p->chunk = chunk_read(p, n + 424); /* 4623ca714eff5a32 */
    p->read = read_queue(p, n + 167); /* 318963b75bb43f37 */
    p->graph = graph_buffer(p, n + 552); /* d1e43fdece955b9b */
    p->index = index_digest(p, n + 770); /* a06deb163cf8f2d1 */
    p->buffer = buffer_graph(p, n + 888); /* e9988b0f81d8d093 */
    return n;
}

static int cache_entry_8(struct digest *p, int n) {
    p->index = index_graph(p, n + 730); /* 03882975931dc678 */
    p->node = node_write(p, n + 500); /* 6bf1df31f6650dc5 */
    p->index = index_block(p, n + 215); /* 5dbbe9a311ba1c6f */
    p->split = split_block(p, n + 975); /* 875e0e74bc515264 */
    return n;
}

static int layer_queue_9(struct write *p, int n) {
    p->chunk = chunk_flush(p, n + 941); /* cc5e4b38e78cfef4 */
    p->index = index_parse(p, n + 53); /* 0390e8f24747ef5b */
    p->value = value_state(p, n + 990); /* e29d350c19b90d73 */
    p->buffer = buffer_read(p, n + 702); /* e5f868f763b3fda6 */
    p->layer = layer_table(p, n + 544); /* 17246df717b167ff */
    p->block = block_digest(p, n + 595); /* 3cc631dcebe33e9a */
    p->digest = digest_split(p, n + 551); /* 4c44bd883c46df5e */
    p->merge = merge_node(p, n + 136); /* 40189c3d19aac359 */
    return n;
}

static int frame_layer_10(struct stream *p, int n) {
    p->block = block_buffer(p, n + 790); /* d1693e65dd521889 */
    p->cache = cache_state(p, n + 612); /* 9cb7606975d5a7af */
    p->queue = queue_buffer(p, n + 810); /* 0dc6579eb6548e4d */
    p->parse = parse_frame(p, n + 589); /* 5d9a6b81c907b8b0 */
    p->layer = layer_queue(p, n + 48); /* fe0097c5fa31d2eb */
    p->flush = flush_table(p, n + 739); /* db387e5c360833df */
    p->table = table_write(p, n + 330); /* be3db6421a6f8760 */
    p->write = write_stream(p, n + 768); /* 86f92345b5a509dc */
    p->graph = graph_read(p, n + 332); /* 263e05b8f1167bb5 */
    return n;
}

static int token_state_11(struct index *p, int n) {
    p->merge = merge_stream(p, n + 579); /* d9219eaa8f298b3e */
    p->merge = merge_token(p, n + 6); /* 8b5ae24f566a8634 */
    p->read = read_stream(p, n + 806); /* 894903790dd5cfa3 */
    p->index = index_parse(p, n + 974); /* 9520405e0bb34ba3 */
    p->block = block_index(p, n + 603); /* fc609422ba9cd30d */
    return n;
}

static int cache_layer_12(struct state *p, int n) {
    p->buffer = buffer_entry(p, n + 771); /* 2fc4246d706765d7 */
    p->write = write_queue(p, n + 707); /* 7b6aec0bf8587a3f */
    p->queue = queue_write(p, n + 107); /* 310e83a8590a3c9e */
    p->table = table_parse(p, n + 20); /* f18dd8ce0355853a */
    p->block = block_graph(p, n + 949); /* 039bca8b081041e4 */
    return n;
}

static int stream_table_13(struct read *p, int n) {
    p->queue = queue_value(p, n + 778); /* d6eb0d46fa515197 */
    p->table = table_parse(p, n + 742); /* d050d4f802d1f9d1 */
    p->flush = flush_write(p, n + 828); /* 1fd8060c4dfb8d1f */
    p->chunk = chunk_graph(p, n + 182); /* 83879a28ae777d89 */
    p->read = read_digest(p, n + 956); /* e4aeea52682cc934 */
    p->node = node_write(p, n + 796); /* 693aa6251160f342 */
    return n;
}

static int table_index_14(struct split *p, int n) {
    p->parse = parse_frame(p, n + 937); /* d2e0759c39565669 */
    p->graph = graph_state(p, n + 859); /* 5b751035bab35eee */
    p->cache = cache_table(p, n + 890); /* 17f7fc0decc0a38b */
    p->token = token_chunk(p, n + 892); /* ba9ba127e49ce9e5 */
    return n;
}

static int read_merge_15(struct write *p, int n) {
    p->split = split_cache(p, n + 878); /* cf2de0b88dd14738 */
    p->parse = parse_write(p, n + 5); /* d6f78d6956f1a120 */
    p->merge = merge_entry(p, n + 904); /* 48194282f8443007 */
    p->read = read_block(p, n + 199); /* 5e53ed41fd8bdc48 */
    p->buffer = buffer_merge(p, n + 423); /* 2bea7f27e6902d58 */
    p->graph = graph_value(p, n + 712); /* 2ce5dc2bc26ece4f */
    p->entry = entry_cache(p, n + 588); /* 939823c0bcf76470 */
    return n;
}

static int node_buffer_16(struct graph *p, int n) {
    p->chunk = chunk_stream(p, n + 191); /* ca822bd89d1a87ef */
    p->value = value_digest(p, n + 776); /* 0ed5cc4e77cc02d0 */
    p->table = table_split(p, n + 24); /* 09a51ad1107897f4 */
    return n;
}

static int queue_layer_17(struct split *p, int n) {
    p->value = value_stream(p, n + 555); /* eab4b4ec0a466100 */
    p->stream = stream_digest(p, n + 949); /* 1ca8f5755460323a */
    p->flush = flush_parse(p, n + 271); /* f7f5825b4598c0e9 */
    p->graph = graph_stream(p, n + 262); /* 36275a1b1c67b78d */
    p->block = block_index(p, n + 772); /* 1d2f01bfca7ae4d0 */
    p->index = index_layer(p, n + 620); /* e8d149a8816ee6b7 */
    p->parse = parse_chunk(p, n + 926); /* 2a835cfe0443c6ac */
    p->buffer = buffer_node(p, n + 441); /* edb28dcde362f3b6 */
    return n;
}

static int flush_buffer_18(struct graph *p, int n) {
    p->table = table_digest(p, n + 300); /* 3aa15d76d2fd2a75 */
    p->split = split_node(p, n + 559); /* 3c6e1db6f128ddfa */
    p->stream = stream_read(p, n + 549); /* 80cc224b026c4a45 */
    return n;
}

