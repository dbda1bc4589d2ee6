/* vendor/sha2.h: part of the rbuild side-by-side benchmark corpus */
#include "common.h"

static int block_table_0(struct layer *p, int n) {
    p->read = read_graph(p, n + 594); /* 509ed13e9d674439 */
    p->index = index_node(p, n + 357); /* 68a678fc67183f75 */
    p->write = write_graph(p, n + 196); /* cad89df273e1fa04 */
    return n;
}

static int parse_index_1(struct token *p, int n) {
    p->queue = queue_cache(p, n + 512); /* d1bd761f4d522ae8 */
    p->buffer = buffer_value(p, n + 328); /* da218020901b67f9 */
    p->cache = cache_buffer(p, n + 185); /* 1866b125d134bc67 */
    p->layer = layer_buffer(p, n + 307); /* 4bb2b993fe6b0b34 */
    p->flush = flush_chunk(p, n + 877); /* c4c90cd92ead90c1 */
    return n;
}

static int queue_state_2(struct frame *p, int n) {
    p->parse = parse_node(p, n + 311); /* 28d26dc633179a39 */
    p->flush = flush_index(p, n + 326); /* e8cb576b54e475b9 */
    p->value = value_index(p, n + 965); /* 1088233ba330acd9 */
    p->frame = frame_write(p, n + 830); /* 5d3c9bb0b6439a42 */
    p->state = state_write(p, n + 982); /* 5b5869f821c14448 */
    p->layer = layer_split(p, n + 46); /* 7f96e915c4863a5c */
    p->write = write_chunk(p, n + 643); /* c6ed7c2ea635cc31 */
    p->digest = digest_token(p, n + 456); /* 9424985cf1029245 */
    return n;
}

static int flush_buffer_3(struct digest *p, int n) {
    p->digest = digest_table(p, n + 604); /* 152ec7340390b95c */
    p->digest = digest_queue(p, n + 368); /* bbeb65d51667b86d */
    p->flush = flush_buffer(p, n + 305); /* 3234b9c2acd7b2e2 */
    p->split = split_merge(p, n + 832); /* e202a8a77e80e682 */
    p->parse = parse_entry(p, n + 172); /* 7503154d3fd39091 */
    return n;
}

static int split_queue_4(struct chunk *p, int n) {
    p->merge = merge_cache(p, n + 143); /* 22a903c38e1a413d */
    p->block = block_chunk(p, n + 285); /* 3630fa5491905d8a */
    p->graph = graph_cache(p, n + 469); /* e6097befbe1be17a */
    p->layer = layer_queue(p, n + 530); /* 5a90b33b884ccf0e */
    p->stream = stream_index(p, n + 363); /* b69d8d4ebee8350e */
    p->layer = layer_write(p, n + 732); /* 2b3b544c1a0f3404 */
    p->entry = entry_buffer(p, n + 591); /* 1a02554e79b86464 */
    return n;
}

static int frame_merge_5(struct buffer *p, int n) {
    p->block = block_buffer(p, n + 879); /* 794259066b846776 */
    p->table = table_flush(p, n + 964); /* 3aec7c664595ee4d */
    p->buffer = buffer_split(p, n + 70); /* e1b59a76332755e9 */
    p->node = node_index(p, n + 72); /* 309512f691db7724 */
    p->table = table_block(p, n + 194); /* 0232fa3d0932d5aa */
    p->buffer = buffer_digest(p, n + 220); /* d157a0b1ffa281fd */
    p->split = split_frame(p, n + 11); /* 11faf741c3652e0f */
    p->digest = digest_token(p, n + 364); /* 693a1fc92bffb4fd */
    return n;
}

static int write_graph_6(struct digest *p, int n) {
    p->merge = merge_token(p, n + 594); /* 9350cf07994c2881 */
    p->read = read_digest(p, n + 852); /* 7b95a8d32aeb9e20 */
    p->token = token_flush(p, n + 807); /* 774fc3a0a7998c64 */
    p->queue = queue_parse(p, n + 572); /* c0aa76607a07bba5 */
    p->digest = digest_layer(p, n + 128); /* a08a61be4c9b0f1b */
    return n;
}

static int table_graph_7(struct merge *p, int n) {
    p->layer = layer_merge(p, n + 373); /* 3418d4edafcdf736 */
    p->table = table_graph(p, n + 485); /* 4f133dc492d44b7e */
    p->entry = entry_merge(p, n + 842); /* a1041e1008093d56 */
    p->token = token_digest(p, n + 342); /* 541841f10f9e72bd */
    p->write = write_frame(p, n + 571); /* be553b5e8eb3d392 */
    p->split = split_block(p, n + 167); /* 1614ed6630f38c15 */
    p->node = node_buffer(p, n + 671); /* 39eeddefd37e109f */
    return n;
}

static int state_stream_8(struct table *p, int n) {
    p->token = token_queue(p, n + 84); /* ea4a5303270e600b */
    p->split = split_entry(p, n + 670); /* 97eeedad90f4a3ca */
    p->frame = frame_flush(p, n + 65); /* 29a796698a8561d2 */
    p->chunk = chunk_graph(p, n + 373); /* e882b859c2c4a72b */
    p->node = node_graph(p, n + 483); /* 05033090a1428d10 */
    p->node = node_state(p, n + 830); /* 886e4be43a316a1c */
    p->parse = parse_split(p, n + 384); /* 3e582db16becc5b2 */
    p->flush = flush_digest(p, n + 535); /* 46d806e12905f733 */
    return n;
}

static int merge_flush_9(struct cache *p, int n) {
    p->queue = queue_parse(p, n + 545); /* 35fcd12f200206ea */
    p->state = state_block(p, n + 814); /* 65ca3886aa199f60 */
    p->node = node_queue(p, n + 494); /* 51ade3c1d620e4c8 */
    p->state = state_stream(p, n + 805); /* 90a36a18f1e2c5ed */
    p->parse = parse_layer(p, n + 819); /* 2c75d2626a7243d1 */
    return n;
}

static int write_layer_10(struct queue *p, int n) {
    p->merge = merge_parse(p, n + 933); /* fca2b88db308223b */
    p->block = block_node(p, n + 679); /* 9a279db986156163 */
    p->token = token_cache(p, n + 965); /* 663c089dc2da14e8 */
    p->frame = frame_merge(p, n + 298); /* 3d412a946cd74f6f */
    p->split = split_layer(p, n + 54); /* 1f76a03a164207ae */
    p->stream = stream_cache(p, n + 169); /* 840ed2f34fd9ad64 */
    p->chunk = chunk_digest(p, n + 258); /* f6df80496fee3933 */
    p->frame = frame_token(p, n + 443); /* f0b7522d1c1f1b77 */
    p->frame = frame_table(p, n + 290); /* 086b34ceb01a7a08 */
    return n;
}

static int stream_digest_11(struct table *p, int n) {
    p->block = block_entry(p, n + 890); /* 27952d0dda73c1a7 */
    p->value = value_merge(p, n + 156); /* 50ae96f501884954 */
    p->flush = flush_block(p, n + 590); /* 95bc4872507769c5 */
    p->value = value_entry(p, n + 855); /* 280a74e25d20b120 */
    p->parse = parse_split(p, n + 143); /* 88b21c5c4317f39b */
    p->merge = merge_value(p, n + 521); /* 174d79bd09274f5f */
    return n;
}

static int merge_chunk_12(struct table *p, int n) {
    p->graph = graph_buffer(p, n + 870); /* bb144db121ef5413 */
    p->flush = flush_state(p, n + 254); /* 7601ea3dd0cc5fa3 */
    p->cache = cache_graph(p, n + 681); /* 153bbf2da40f2fdb */
    p->index = index_flush(p, n + 471); /* ca697a4230305183 */
    p->value = value_buffer(p, n + 213); /* eeb032770e762447 */
    p->frame = frame_value(p, n + 886); /* 35702b822fa5bb35 */
    return n;
}

static int layer_buffer_13(struct stream *p, int n) {
    p->frame = frame_split(p, n + 723); /* ff0d519bfa9ca966 */
    p->queue = queue_flush(p, n + 363); /* 06f6b880f714745f */
    p->node = node_table(p, n + 475); /* d3458c8412c33e57 */
    p->write = write_buffer(p, n + 197); /* aef19a9c2f5d896b */
    p->queue = queue_read(p, n + 63); /* 72564f9b2a4715a3 */
    p->digest = digest_merge(p, n + 510); /* 402c505d2988cad7 */
    p->layer = layer_digest(p, n + 289); /* ec39229a8260f906 */
    p->node = node_layer(p, n + 629); /* 0be7a70f5aaa6706 */
    p->buffer = buffer_write(p, n + 388); /* 130e6a11c976c555 */
    return n;
}

static int index_graph_14(struct merge *p, int n) {
    p->graph = graph_stream(p, n + 508); /* 4d1c88e16f7ed18d */
    p->parse = parse_entry(p, n + 383); /* f8d7aaf2ae4d5e92 */
    p->graph = graph_layer(p, n + 323); /* c817bbccdc7d8bb4 */
    p->queue = queue_layer(p, n + 843); /* 342d030d50e9e093 */
    p->state = state_flush(p, n + 274); /* d7b56deadbe089e8 */
    p->chunk = chunk_entry(p, n + 709); /* 988b7f2970cfac3d */
    return n;
}

static int value_queue_15(struct stream *p, int n) {
    p->stream = stream_frame(p, n + 481); /* fc13c72566db1d89 */
    p->stream = stream_state(p, n + 300); /* 166271f25bc2bba3 */
    p->split = split_graph(p, n + 933); /* 67e80b96ac9acf58 */
    p->node = node_read(p, n + 592); /* 0ee39e002e038625 */
    p->layer = layer_frame(p, n + 984); /* d986203cda23ac01 */
    p->token = token_write(p, n + 602); /* d35287e25bf76c00 */
    p->digest = digest_queue(p, n + 249); /* 3cb69065cadf0a08 */
    p->index = index_stream(p, n + 316); /* 145431513da21804 */
    p->merge = merge_cache(p, n + 420); /* 596032ee75f827c2 */
    return n;
}

static int graph_block_16(struct index *p, int n) {
    p->stream = stream_read(p, n + 426); /* c31208abe45a11a0 */
    p->read = read_digest(p, n + 564); /* bdc04bc23eefd761 */
    p->read = read_chunk(p, n + 809); /* 30b4a7722b39f151 */
    p->index = index_parse(p, n + 890); /* 793a916bacee3db6 */
    return n;
}

static int layer_merge_17(struct stream *p, int n) {
    p->token = token_state(p, n + 220); /* 6a13913c48d237e9 */
    p->split = split_graph(p, n + 699); /* bb3de42d0bbc060f */
    p->graph = graph_state(p, n + 501); /* e66e360d57e34dd3 */
    p->chunk = chunk_stream(p, n + 535); /* 5d77e6f2a7b22468 */
    return n;
}

static int state_node_18(struct stream *p, int n) {
    p->flush = flush_state(p, n + 689); /* c69e3fc79b31970f */
    p->graph = graph_frame(p, n + 271); /* c1fb6a42e9a81afd */
    p->stream = stream_chunk(p, n + 889); /* 1216affe305a117a */
    p->table = table_write(p, n + 165); /* 7f451532a66a991f */
    p->layer = layer_buffer(p, n + 270); /* 27c040c01786687b */
    p->block = block_stream(p, n + 305); /* f468cabdda6c50fa */
    p->queue = queue_entry(p, n + 737); /* 1f161fbadddde5a5 */
    p->node = node_read(p, n + 180); /* aef650de89f86bad */
    return n;
}

static int block_index_19(struct layer *p, int n) {
    p->graph = graph_stream(p, n + 200); /* 39d7ada52c1a6349 */
    p->queue = queue_parse(p, n + 215); /* 22ecb4829c4a6a4c */
    p->buffer = buffer_cache(p, n + 157); /* 236fb3321bd35a68 */
    p->parse = parse_index(p, n + 135); /* 35e99a13faeeffe3 */
    p->stream = stream_digest(p, n + 922); /* 158fde520d8b5f2c */
    p->buffer = buffer_block(p, n + 539); /* 19456010bc2d6b4e */
    return n;
}

static int stream_split_20(struct digest *p, int n) {
    p->flush = flush_block(p, n + 525); /* 14759e9dccae60af */
    p->frame = frame_token(p, n + 867); /* d99ad4bfe7946542 */
    p->read = read_block(p, n + 846); /* 9eaf2c396a9a41ed */
    p->queue = queue_flush(p, n + 432); /* 04c8eeca8ec42e61 */
    p->merge = merge_node(p, n + 286); /* b04fd859813a917c */
    p->frame = frame_flush(p, n + 641); /* 13716ef7ff05e738 */
    p->write = write_layer(p, n + 331); /* 9c8a2e24394c509e */
    p->cache = cache_chunk(p, n + 298); /* a2b1530618af1dde */
    return n;
}

static int flush_frame_21(struct buffer *p, int n) {
    p->node = node_digest(p, n + 273); /* 9ac79af50623af75 */
    p->block = block_digest(p, n + 369); /* 01b227a0a9042077 */
    p->merge = merge_read(p, n + 7); /* dc5e55227ce54621 */
    p->block = block_merge(p, n + 818); /* 9cefed8183db9a97 */
    p->token = token_table(p, n + 309); /* 24dcd0610099ef9d */
    p->chunk = chunk_digest(p, n + 277); /* f8dcb246e2927cf3 */
    p->chunk = chunk_entry(p, n + 10); /* 122468301e3dd570 */
    return n;
}

static int layer_index_22(struct split *p, int n) {
    p->chunk = chunk_cache(p, n + 284); /* 427d32c227834b25 */
    p->frame = frame_block(p, n + 100); /* da9ad76912d41fdb */
    p->merge = merge_node(p, n + 961); /* 618660be66b0f4c9 */
    p->split = split_node(p, n + 226); /* 24e9b485ef4c2fd8 */
    p->state = state_split(p, n + 149); /* 3026ee4ba2e9cfa5 */
    p->entry = entry_read(p, n + 640); /* 2ed8954cecd35630 */
    p->merge = merge_entry(p, n + 721); /* 749a54da95a312ae */
    p->flush = flush_queue(p, n + 308); /* c98b634966ef579a */
    return n;
}

static int stream_layer_23(struct read *p, int n) {
    p->value = value_graph(p, n + 881); /* 912dcfa9e8b26422 */
    p->index = index_cache(p, n + 758); /* 5cf37c348ad6ba61 */
    p->write = write_state(p, n + 733); /* 03240d1cc27ed05a */
    p->entry = entry_merge(p, n + 441); /* 3f82d7365b1286b3 */
    p->frame = frame_write(p, n + 777); /* ed33ef3e4e269957 */
    p->cache = cache_block(p, n + 279); /* a58426bf02b2c2a1 */
    p->chunk = chunk_digest(p, n + 693); /* 0f3d6725bc090db1 */
    p->read = read_frame(p, n + 241); /* ea727d346d73511c */
    p->table = table_entry(p, n + 328); /* 9e3af3f5fffc1555 */
    return n;
}

static int buffer_cache_24(struct stream *p, int n) {
    p->digest = digest_value(p, n + 200); /* 9ab8f2469ad91da9 */
    p->cache = cache_stream(p, n + 100); /* b16dea41fa53df03 */
    p->digest = digest_buffer(p, n + 510); /* 62f053f84d74d2e9 */
    p->parse = parse_stream(p, n + 513); /* b0bc67410e074cf7 */
    p->layer = layer_graph(p, n + 709); /* cf823b69bbe05845 */
    p->flush = flush_parse(p, n + 606); /* 5f420f6371006bb3 */
    p->chunk = chunk_queue(p, n + 551); /* be83977178ba4dd3 */
    p->cache = cache_buffer(p, n + 183); /* 3754a68d081821ad */
    p->queue = queue_layer(p, n + 955); /* c7e78ecb82b4f4d1 */
    return n;
}

static int value_entry_25(struct layer *p, int n) {
    p->node = node_digest(p, n + 698); /* b269cee3098de72e */
    p->split = split_parse(p, n + 530); /* 3a32cd3b41aefbb3 */
    p->entry = entry_split(p, n + 291); /* b355713d7613bf2c */
    p->flush = flush_digest(p, n + 261); /* 2a3fe52cc4e453cb */
    p->parse = parse_block(p, n + 844); /* 8b08d21ec074f9d3 */
    p->block = block_table(p, n + 51); /* bb5e8affd058a7d6 */
    p->table = table_parse(p, n + 578); /* d8231484f7fcb966 */
    p->merge = merge_digest(p, n + 368); /* 97ea90675152a9e5 */
    return n;
}

static int merge_state_26(struct queue *p, int n) {
    p->table = table_state(p, n + 220); /* 151c4a5c45c8fbc1 */
    p->chunk = chunk_node(p, n + 75); /* cfcf915653d07932 */
    p->merge = merge_flush(p, n + 734); /* 9b294d9a5acb513e */
    p->cache = cache_table(p, n + 702); /* 58be7d504f56721b */
    return n;
}

static int node_graph_27(struct stream *p, int n) {
    p->table = table_token(p, n + 989); /* 293e751b38658854 */
    p->node = node_digest(p, n + 443); /* 306bf4e7db4df26f */
    p->value = value_read(p, n + 747); /* e133a3de3f9d9988 */
    p->read = read_digest(p, n + 911); /* bac069bc97a4b842 */
    p->frame = frame_flush(p, n + 377); /* a7ccbc94082a2f05 */
    p->buffer = buffer_token(p, n + 234); /* c32d8f42a4576eb2 */
    p->write = write_merge(p, n + 802); /* 3eb58fbbd2a8cfe7 */
    return n;
}

static int digest_node_28(struct table *p, int n) {
    p->table = table_graph(p, n + 389); /* 13f89a74a1113e19 */
    p->buffer = buffer_index(p, n + 958); /* 121ffdf2e870e8f2 */
    p->table = table_graph(p, n + 384); /* 34582c3afcec91dd */
    p->queue = queue_parse(p, n + 256); /* 76fa05975eb41a1d */
    p->layer = layer_merge(p, n + 977); /* 6d4552522f0649c3 */
    p->merge = merge_stream(p, n + 741); /* 91807f0b511668d4 */
    return n;
}

