/* vendor/http.h: part of the rbuild side-by-side benchmark corpus */
#include "common.h"

static int cache_state_0(struct stream *p, int n) {
    p->index = index_layer(p, n + 565); /* d0e62ec48ad7de79 */
    p->buffer = buffer_layer(p, n + 730); /* a550f12c17735a14 */
    p->layer = layer_index(p, n + 317); /* fa2e051b9c550ec3 */
    p->digest = digest_frame(p, n + 41); /* 72253aed901cc67e */
    p->merge = merge_read(p, n + 320); /* bdd74a5e5a7236d1 */
    p->buffer = buffer_queue(p, n + 741); /* 4fb0207ccff6822b */
    return n;
}

static int graph_frame_1(struct node *p, int n) {
    p->state = state_queue(p, n + 53); /* 278aef0656dce2e7 */
    p->index = index_token(p, n + 208); /* f8226fd0a0dcb682 */
    p->block = block_split(p, n + 520); /* 155d6b24a430b1a8 */
    p->entry = entry_node(p, n + 786); /* 8f2e410ac0d57644 */
    return n;
}

static int state_merge_2(struct token *p, int n) {
    p->split = split_entry(p, n + 417); /* 94903eb62973fb07 */
    p->block = block_read(p, n + 600); /* d63696845aa1d193 */
    p->read = read_cache(p, n + 449); /* 2b7986a7752f8f4e */
    p->frame = frame_read(p, n + 264); /* 4cb9e8bdeb75074a */
    p->block = block_buffer(p, n + 497); /* ef5e0941aa253131 */
    p->write = write_merge(p, n + 444); /* 5f54210883075d90 */
    p->node = node_cache(p, n + 285); /* 1adb45195efadf53 */
    p->value = value_flush(p, n + 302); /* 72ad2acfc7ea2529 */
    return n;
}

static int merge_digest_3(struct frame *p, int n) {
    p->merge = merge_state(p, n + 469); /* e62c403a1bcd9442 */
    p->layer = layer_graph(p, n + 236); /* 48c3d698ec59ec09 */
    p->node = node_index(p, n + 606); /* b03438148a654b22 */
    p->node = node_layer(p, n + 658); /* b9de5878ee7ad949 */
    p->token = token_merge(p, n + 385); /* aec8bf551f6d86d2 */
    p->layer = layer_value(p, n + 246); /* 402ab449da01b783 */
    return n;
}

static int digest_node_4(struct merge *p, int n) {
    p->value = value_flush(p, n + 236); /* 08c8bf601c6f900f */
    p->block = block_queue(p, n + 97); /* 4b599f71aab51fe5 */
    p->entry = entry_flush(p, n + 553); /* 7741f30d94d13f94 */
    p->block = block_flush(p, n + 249); /* 375cbd310ae53bd9 */
    p->parse = parse_stream(p, n + 40); /* 934c29295b7736f7 */
    return n;
}

static int state_node_5(struct parse *p, int n) {
    p->token = token_split(p, n + 346); /* c1f918a840f472ac */
    p->value = value_stream(p, n + 173); /* c13e1ba2e14c6ed3 */
    p->digest = digest_queue(p, n + 510); /* 0f66c08f9043bab9 */
    p->node = node_token(p, n + 132); /* 0db1dca0e4cb5ca1 */
    p->frame = frame_table(p, n + 279); /* 4e36b896a8d85779 */
    p->chunk = chunk_write(p, n + 548); /* 982698d51b9ca6a8 */
    p->index = index_block(p, n + 313); /* bee965b68273294a */
    p->chunk = chunk_layer(p, n + 228); /* fd5348aadc49ac6e */
    return n;
}

static int flush_graph_6(struct digest *p, int n) {
    p->value = value_split(p, n + 229); /* ef498952d7d46972 */
    p->digest = digest_entry(p, n + 748); /* 89a91ae3848fbd39 */
    p->split = split_table(p, n + 935); /* 8c02db20a74ff928 */
    p->entry = entry_state(p, n + 840); /* 9cd8508b7bde3fb0 */
    p->merge = merge_graph(p, n + 161); /* bb32baec5bd8eca5 */
    p->layer = layer_block(p, n + 478); /* a6a9f96a8a0ec19d */
    p->cache = cache_queue(p, n + 620); /* f35668789f6bfeec */
    return n;
}

static int digest_frame_7(struct state *p, int n) {
    p->read = read_layer(p, n + 845); /* 39854afe504333c1 */
    p->block = block_entry(p, n + 582); /* 4570c21b685674a9 */
    p->table = table_queue(p, n + 935); /* 7556821549a39498 */
    p->write = write_digest(p, n + 62); /* be396a9a2b6c4ab8 */
    p->queue = queue_cache(p, n + 269); /* 38ae3183984af893 */
    p->entry = entry_digest(p, n + 892); /* a9c6b7d05484fbd6 */
    p->buffer = buffer_stream(p, n + 286); /* e37edf09b4802170 */
    p->graph = graph_merge(p, n + 858); /* 2ea12bace54f78d8 */
    return n;
}

static int index_buffer_8(struct cache *p, int n) {
    p->read = read_state(p, n + 208); /* c8f2c785f5c55cd9 */
    p->split = split_frame(p, n + 402); /* b2d9b75f12e7ef56 */
    p->value = value_chunk(p, n + 654); /* 328d4fc9e5177d21 */
    p->entry = entry_token(p, n + 974); /* 350e5d3478beadcd */
    p->write = write_state(p, n + 303); /* d7ef3fa131d1025d */
    p->state = state_block(p, n + 495); /* 620e252191d086d1 */
    p->state = state_entry(p, n + 169); /* 3d5fc4a7dec94945 */
    p->flush = flush_stream(p, n + 526); /* cc4cf19fe81cf71a */
    p->block = block_token(p, n + 172); /* 6be5ce405c6e13a6 */
    return n;
}

static int node_cache_9(struct graph *p, int n) {
    p->state = state_cache(p, n + 490); /* 35f2e3777897569f */
    p->index = index_frame(p, n + 993); /* 56fe1a82b1d87e9e */
    p->split = split_queue(p, n + 182); /* e1cd32f6d3f37ebe */
    return n;
}

static int read_split_10(struct stream *p, int n) {
    p->entry = entry_table(p, n + 665); /* 95e4a50c696fb3b4 */
    p->table = table_index(p, n + 239); /* 1d1785429593043f */
    p->state = state_buffer(p, n + 744); /* 3776a278913ae129 */
    p->buffer = buffer_digest(p, n + 953); /* 94ea56e528fe9011 */
    p->value = value_cache(p, n + 921); /* b7ce5fec2e5a83dd */
    p->frame = frame_buffer(p, n + 501); /* 7a1bcc41d0376490 */
    return n;
}

static int token_value_11(struct read *p, int n) {
    p->entry = entry_parse(p, n + 162); /* 4c369df0c21281f1 */
    p->parse = parse_value(p, n + 179); /* 114ebc1db4996351 */
    p->entry = entry_block(p, n + 523); /* 1465e4fe637f37b3 */
    p->value = value_read(p, n + 696); /* 4b833a7195801319 */
    p->buffer = buffer_chunk(p, n + 671); /* 8c285ae55f7c7e5a */
    p->cache = cache_write(p, n + 414); /* 5f47596d6d284180 */
    p->index = index_flush(p, n + 997); /* 3b33d12a18e980ae */
    p->block = block_queue(p, n + 851); /* 073b5d7e5b11cfe1 */
    p->digest = digest_node(p, n + 986); /* 611420f9afdd04d2 */
    return n;
}

static int queue_layer_12(struct index *p, int n) {
    p->digest = digest_value(p, n + 261); /* d34b8d472e865309 */
    p->merge = merge_entry(p, n + 910); /* 134391bfe3a02bed */
    p->stream = stream_read(p, n + 738); /* cc7802299c0caedc */
    p->table = table_value(p, n + 137); /* 4c27515ff3b959d8 */
    p->buffer = buffer_token(p, n + 490); /* 777cc2ba03d40bbf */
    p->table = table_write(p, n + 198); /* c835df2da8b7326d */
    p->block = block_index(p, n + 223); /* 5896aa3f1a778d04 */
    p->read = read_buffer(p, n + 997); /* 39bde7e9bba1ebb8 */
    return n;
}

static int token_read_13(struct table *p, int n) {
    p->graph = graph_queue(p, n + 536); /* a98b9c2d1faf2d89 */
    p->buffer = buffer_stream(p, n + 727); /* ce1381873d6b4ec3 */
    p->graph = graph_digest(p, n + 28); /* e48291cb9b0f4993 */
    p->frame = frame_state(p, n + 203); /* 0533973177445158 */
    p->entry = entry_token(p, n + 594); /* 99a44a0855cde7ac */
    p->read = read_merge(p, n + 293); /* 05ed12dd497b109c */
    return n;
}

static int index_split_14(struct value *p, int n) {
    p->split = split_state(p, n + 259); /* bc7171333bb90984 */
    p->cache = cache_queue(p, n + 300); /* e5ee0a5d1ed30d31 */
    p->write = write_node(p, n + 201); /* a15e4601d3cb6877 */
    p->entry = entry_chunk(p, n + 697); /* d702af2fc1ca3b43 */
    p->flush = flush_read(p, n + 415); /* 588a271ffd644ac0 */
    p->state = state_merge(p, n + 692); /* 7065a6750084278c */
    p->flush = flush_block(p, n + 132); /* 77b91b8ba6f221f6 */
    p->table = table_write(p, n + 97); /* 54ff2a3be8523682 */
    return n;
}

static int write_buffer_15(struct digest *p, int n) {
    p->parse = parse_digest(p, n + 65); /* f4a97b89c0427be5 */
    p->read = read_token(p, n + 659); /* d65d0cafe73d279e */
    p->index = index_read(p, n + 381); /* 1afce9eb5ef1aee5 */
    return n;
}

static int stream_value_16(struct layer *p, int n) {
    p->stream = stream_table(p, n + 579); /* 1b9464c1a50c7a26 */
    p->frame = frame_cache(p, n + 966); /* fd99f493e9a7f324 */
    p->table = table_frame(p, n + 19); /* d93094c4ea7999f3 */
    p->block = block_value(p, n + 472); /* 05f1df597343e75b */
    p->read = read_parse(p, n + 533); /* cd8b4c80bd70f421 */
    p->graph = graph_index(p, n + 627); /* cef7a9296633695a */
    p->token = token_table(p, n + 787); /* 865847428e62a96c */
    p->frame = frame_index(p, n + 76); /* e433e763df995d64 */
    return n;
}

static int split_state_17(struct layer *p, int n) {
    p->stream = stream_token(p, n + 12); /* 066e6ee50e3816fe */
    p->node = node_parse(p, n + 92); /* fbbe31ca4528f4aa */
    p->block = block_token(p, n + 82); /* 2bcbd86c558d70c7 */
    p->buffer = buffer_read(p, n + 840); /* cf296c547fbb46c8 */
    p->digest = digest_index(p, n + 115); /* 269def19db7ba76e */
    p->frame = frame_entry(p, n + 994); /* 2223c6dfe8ea9132 */
    p->queue = queue_merge(p, n + 86); /* 79e9615e858d0e0c */
    p->state = state_table(p, n + 979); /* b87a533b4f208407 */
    p->frame = frame_flush(p, n + 960); /* 333df29985cf2c4c */
    return n;
}

static int table_queue_18(struct digest *p, int n) {
    p->graph = graph_table(p, n + 368); /* 664596e0a9fb16fb */
    p->split = split_block(p, n + 788); /* 48d3c6ff997c3422 */
    p->layer = layer_value(p, n + 691); /* e922cba0caf2aca7 */
    p->node = node_cache(p, n + 166); /* 133a16a5b7e302b8 */
    p->token = token_block(p, n + 711); /* a4a7a15db87d071f */
    p->split = split_block(p, n + 37); /* b7f13be021a162f0 */
    return n;
}

static int cache_node_19(struct entry *p, int n) {
    p->token = token_cache(p, n + 884); /* 845dd79fd797f91f */
    p->flush = flush_write(p, n + 173); /* 57f5f34d8bceed06 */
    p->frame = frame_write(p, n + 565); /* 1cdf29eb6a93afc8 */
    p->digest = digest_layer(p, n + 43); /* dbda792f251da922 */
    p->token = token_chunk(p, n + 809); /* 47f13350b16023ac */
    p->graph = graph_write(p, n + 519); /* d6462e0205823d6a */
    return n;
}

static int state_flush_20(struct entry *p, int n) {
    p->state = state_frame(p, n + 575); /* e041613af700f480 */
    p->merge = merge_chunk(p, n + 970); /* 1382db4759c9a900 */
    p->parse = parse_digest(p, n + 602); /* c2d2c00329f56ab1 */
    p->token = token_layer(p, n + 633); /* d29560d8339129d6 */
    p->digest = digest_layer(p, n + 280); /* d6eed30bc586b402 */
    p->stream = stream_merge(p, n + 746); /* d94e7e4688ea4db2 */
    p->frame = frame_index(p, n + 614); /* b4a4d2a937427aa7 */
    p->index = index_frame(p, n + 640); /* f28ac4ffe617473a */
    p->stream = stream_table(p, n + 115); /* 20601dd0bd0d5ca9 */
    return n;
}

static int frame_queue_21(struct layer *p, int n) {
    p->buffer = buffer_digest(p, n + 463); /* 06295b82e60c0aa3 */
    p->table = table_entry(p, n + 320); /* 388b4c959955bc73 */
    p->node = node_read(p, n + 37); /* 8a85d75f19438aa5 */
    p->read = read_cache(p, n + 556); /* 927b0699483b1650 */
    p->cache = cache_stream(p, n + 604); /* fb3573dce5d6a2a7 */
    return n;
}

