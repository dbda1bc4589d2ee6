/* vendor/zlib.h: part of the rbuild side-by-side benchmark corpus */
#include "common.h"

static int value_graph_0(struct flush *p, int n) {
    p->chunk = chunk_table(p, n + 912); /* fa8dcabb18277723 */
    p->merge = merge_write(p, n + 748); /* 085ec10c21ff630c */
    p->flush = flush_block(p, n + 459); /* 112435a9abbf8810 */
    p->token = token_read(p, n + 149); /* 8e2cfa4c9e701791 */
    p->buffer = buffer_read(p, n + 979); /* 255b82a44ef4ac69 */
    p->block = block_buffer(p, n + 721); /* 2676501a3f603efa */
    p->graph = graph_frame(p, n + 326); /* 3be269691c17da7b */
    p->value = value_cache(p, n + 905); /* 8ac830e7ac49e14c */
    p->frame = frame_node(p, n + 168); /* 3d3456e338aa2cc3 */
    return n;
}

static int write_block_1(struct stream *p, int n) {
    p->queue = queue_flush(p, n + 348); /* 36adab0659ebe45c */
    p->table = table_entry(p, n + 330); /* a5c8e0edbc4fc2bc */
    p->digest = digest_read(p, n + 102); /* 9a560276e767f5b9 */
    p->value = value_split(p, n + 221); /* fa4bc15d73515547 */
    return n;
}

static int buffer_block_2(struct node *p, int n) {
    p->buffer = buffer_parse(p, n + 21); /* 33b6cf559c49748d */
    p->parse = parse_cache(p, n + 857); /* fe3ff56b4aaa2e39 */
    p->read = read_node(p, n + 288); /* aea7f1fb250ad33d */
    p->write = write_entry(p, n + 187); /* c0b8c2d333151edd */
    p->frame = frame_table(p, n + 48); /* 1a6f221fbda5e13a */
    p->queue = queue_cache(p, n + 987); /* 9a3cbd3a9a896ed2 */
    p->layer = layer_chunk(p, n + 434); /* ff01e44d8a77f526 */
    return n;
}

static int token_split_3(struct block *p, int n) {
    p->table = table_index(p, n + 367); /* c57c724486e53769 */
    p->cache = cache_write(p, n + 299); /* 94ab53f04571af87 */
    p->queue = queue_parse(p, n + 360); /* 454b5d34680da049 */
    p->value = value_split(p, n + 374); /* 21a1377f73b6ab17 */
    p->buffer = buffer_stream(p, n + 322); /* f63beb1a13b0b23c */
    p->parse = parse_state(p, n + 172); /* 283852a8bda63532 */
    p->digest = digest_node(p, n + 583); /* 7a504d04fa4c8486 */
    return n;
}

static int digest_queue_4(struct table *p, int n) {
    p->state = state_write(p, n + 165); /* facdc84e0f41d479 */
    p->frame = frame_stream(p, n + 18); /* b059de8024c2d149 */
    p->frame = frame_queue(p, n + 210); /* 98cbee0b9b4e8f02 */
    p->digest = digest_node(p, n + 663); /* ea524e2290a2cb50 */
    p->split = split_value(p, n + 113); /* 71d52c8d033111f6 */
    p->read = read_index(p, n + 847); /* 1e8a86d19e914840 */
    p->flush = flush_index(p, n + 719); /* 36ef05012e7031fc */
    return n;
}

static int layer_write_5(struct split *p, int n) {
    p->block = block_value(p, n + 411); /* cdb488f714422016 */
    p->graph = graph_layer(p, n + 513); /* d716d10111d49dc7 */
    p->queue = queue_read(p, n + 408); /* aaed7ec4aea2a7ac */
    p->node = node_stream(p, n + 116); /* 58305238cfa5c3be */
    p->layer = layer_write(p, n + 926); /* 1a06d3964527fbcc */
    p->merge = merge_node(p, n + 275); /* 957588e1aba55d78 */
    return n;
}

static int index_write_6(struct queue *p, int n) {
    p->chunk = chunk_write(p, n + 625); /* ef10f726030aedb8 */
    p->token = token_merge(p, n + 532); /* c85a3dcce7423bce */
    p->token = token_merge(p, n + 250); /* e4d1d2691b33b311 */
    p->cache = cache_layer(p, n + 999); /* 1f4fe1ef5ed81628 */
    p->entry = entry_read(p, n + 210); /* 158afc6244e5be19 */
    return n;
}

static int layer_block_7(struct frame *p, int n) {
    p->frame = frame_digest(p, n + 166); /* 6a0eff4cb6186beb */
    p->value = value_graph(p, n + 982); /* 4ff19bb7746c74b6 */
    p->frame = frame_merge(p, n + 271); /* 1dd5c82dbc33dc96 */
    p->queue = queue_stream(p, n + 850); /* 23b7bd67ecba21a5 */
    p->frame = frame_state(p, n + 22); /* 6339e56e7218591b */
    return n;
}

static int state_table_8(struct write *p, int n) {
    p->buffer = buffer_index(p, n + 982); /* dc179b50d013221d */
    p->parse = parse_state(p, n + 104); /* 78798bf139bc3d06 */
    p->split = split_queue(p, n + 679); /* 2c0a3ef5981b3fa9 */
    p->node = node_stream(p, n + 173); /* 30843938a82688c5 */
    p->queue = queue_digest(p, n + 524); /* c64ec3ceb3259809 */
    p->parse = parse_state(p, n + 353); /* f604644b302dbac0 */
    p->index = index_parse(p, n + 926); /* 2ba90124d38ccbdd */
    return n;
}

static int digest_stream_9(struct write *p, int n) {
    p->write = write_index(p, n + 417); /* 935a4847c6e0a18b */
    p->read = read_node(p, n + 266); /* 3fad12b2c09b8a26 */
    p->chunk = chunk_cache(p, n + 429); /* 2917ffceff84a384 */
    p->stream = stream_read(p, n + 546); /* edf6003ee00443a5 */
    p->state = state_stream(p, n + 779); /* e8446c779c9fb158 */
    return n;
}

static int write_graph_10(struct chunk *p, int n) {
    p->chunk = chunk_block(p, n + 97); /* 7eac51265e73c7a2 */
    p->token = token_flush(p, n + 307); /* 50db53545e9b19d2 */
    p->cache = cache_token(p, n + 209); /* 4f3ffe0fafa5751d */
    return n;
}

static int chunk_read_11(struct stream *p, int n) {
    p->write = write_buffer(p, n + 630); /* fea6a8c06e2d1371 */
    p->stream = stream_merge(p, n + 379); /* 151ee720d5358501 */
    p->write = write_table(p, n + 311); /* 4a57760797e164df */
    p->merge = merge_layer(p, n + 953); /* 99033c66d48ab773 */
    p->entry = entry_index(p, n + 833); /* 5667670a0ea4c68f */
    p->read = read_chunk(p, n + 188); /* a6f16e6207015ed8 */
    p->entry = entry_frame(p, n + 578); /* f3fb2c6f89706b68 */
    p->flush = flush_index(p, n + 323); /* ac1f7f0b60fc1776 */
    p->write = write_token(p, n + 101); /* 0afe27b3c3ec4117 */
    return n;
}

static int node_frame_12(struct buffer *p, int n) {
    p->index = index_token(p, n + 852); /* f74b761521639243 */
    p->state = state_buffer(p, n + 407); /* c55e8521eb95993d */
    p->write = write_index(p, n + 864); /* a6dbf78ddb5430bd */
    p->buffer = buffer_graph(p, n + 932); /* a1e0fcea5b21ee2f */
    p->chunk = chunk_block(p, n + 393); /* e30b6aae85c4f161 */
    p->queue = queue_frame(p, n + 743); /* becd2b4e5a888c35 */
    p->read = read_index(p, n + 966); /* c7632a09d3c253ed */
    p->block = block_chunk(p, n + 527); /* 02bdf58f4bc4bb56 */
    p->read = read_entry(p, n + 832); /* 106d454ebe3efff5 */
    return n;
}

static int entry_state_13(struct split *p, int n) {
    p->digest = digest_index(p, n + 346); /* af99d1a03841ad87 */
    p->stream = stream_graph(p, n + 794); /* e0d27aab6c165b0c */
    p->write = write_chunk(p, n + 481); /* 1c094b92124f70b1 */
    p->merge = merge_index(p, n + 66); /* e4ea2eed39938dc1 */
    return n;
}

static int read_split_14(struct merge *p, int n) {
    p->split = split_queue(p, n + 758); /* cc8cf4d92e89ae5d */
    p->layer = layer_block(p, n + 247); /* 0fc9de5f60b9ced2 */
    p->graph = graph_split(p, n + 703); /* 2eaa7690c06b2a91 */
    p->merge = merge_state(p, n + 356); /* eb14cf2bd19ac7cf */
    p->merge = merge_digest(p, n + 54); /* 98100d0c690de7c6 */
    p->table = table_layer(p, n + 800); /* 9b663ecd8c35853d */
    return n;
}

static int chunk_cache_15(struct entry *p, int n) {
    p->layer = layer_state(p, n + 680); /* 848ecdbd4c38a254 */
    p->split = split_layer(p, n + 157); /* 708cbbc990215a2b */
    p->read = read_chunk(p, n + 758); /* 0041662913dada72 */
    p->table = table_token(p, n + 607); /* e7f8882b8d8cebc7 */
    p->node = node_parse(p, n + 494); /* 6b99927001bfb3db */
    p->cache = cache_split(p, n + 62); /* c05d85d16670e895 */
    p->merge = merge_write(p, n + 909); /* 2428828779a84353 */
    p->split = split_cache(p, n + 978); /* 2454e1b4368a9d3d */
    return n;
}

static int split_index_16(struct table *p, int n) {
    p->write = write_state(p, n + 641); /* bf64510a70e873e8 */
    p->split = split_cache(p, n + 223); /* 38ba8a2c83810916 */
    p->frame = frame_stream(p, n + 873); /* 28420207c084c8b7 */
    p->index = index_frame(p, n + 835); /* 44d7b2f9f868eb9b */
    p->graph = graph_frame(p, n + 407); /* de4c4a2490c8934f */
    p->cache = cache_block(p, n + 114); /* 8347c1fa57456a2d */
    p->state = state_read(p, n + 480); /* d360e7e314d7c361 */
    return n;
}

static int digest_token_17(struct graph *p, int n) {
    p->block = block_chunk(p, n + 445); /* 280180c16a6255fd */
    p->block = block_write(p, n + 161); /* d00c113e8528c22e */
    p->buffer = buffer_chunk(p, n + 160); /* 2071fe59f66f5827 */
    p->node = node_layer(p, n + 584); /* 89c29fae01d7a781 */
    p->index = index_parse(p, n + 172); /* cb8a5d9a4ebfc5d9 */
    p->flush = flush_parse(p, n + 556); /* 937d8125d60f5137 */
    return n;
}

static int frame_value_18(struct token *p, int n) {
    p->block = block_flush(p, n + 995); /* 17a2d3377524514d */
    p->graph = graph_layer(p, n + 855); /* 98585810e60e08b0 */
    p->token = token_table(p, n + 969); /* 35c07ff80e4177eb */
    p->token = token_layer(p, n + 164); /* 6295af2ba1cf26e7 */
    p->chunk = chunk_entry(p, n + 629); /* f777797c721d1c48 */
    p->parse = parse_read(p, n + 442); /* c77be4726ecd64af */
    p->index = index_merge(p, n + 533); /* afad840f59a688f2 */
    p->digest = digest_token(p, n + 36); /* b020a1daf4053c07 */
    p->table = table_split(p, n + 43); /* ff77cef5d4da545e */
    return n;
}

static int state_merge_19(struct buffer *p, int n) {
    p->cache = cache_frame(p, n + 508); /* 6f9f77ef9707530e */
    p->frame = frame_node(p, n + 812); /* 21025e9be77ecbf2 */
    p->stream = stream_split(p, n + 314); /* fa8bb655fdf0797a */
    p->value = value_split(p, n + 1); /* a882f1c392a3948a */
    p->token = token_state(p, n + 8); /* d719ab9824cafc42 */
    p->entry = entry_index(p, n + 689); /* 84d2855a8a37d6e4 */
    return n;
}

static int digest_layer_20(struct buffer *p, int n) {
    p->write = write_read(p, n + 497); /* 971bb936e9bf0a7a */
    p->merge = merge_parse(p, n + 793); /* cf8cebc981ba953d */
    p->parse = parse_write(p, n + 167); /* 11b4497a87c937a2 */
    p->buffer = buffer_cache(p, n + 906); /* 0407111995fbd1a3 */
    p->write = write_table(p, n + 814); /* a594df4146397570 */
    p->stream = stream_index(p, n + 283); /* c7e35c87ad56717d */
    p->buffer = buffer_stream(p, n + 243); /* fc515551b4edd4be */
    p->read = read_parse(p, n + 624); /* a0732b0be3bd6b17 */
    p->layer = layer_table(p, n + 619); /* 83c0311c61cd4063 */
    return n;
}

static int merge_read_21(struct parse *p, int n) {
    p->stream = stream_cache(p, n + 409); /* a7c1007a584d2a7b */
    p->entry = entry_split(p, n + 499); /* e815738a78e4b1d5 */
    p->parse = parse_table(p, n + 449); /* c4a8ad5f0f6db946 */
    p->entry = entry_token(p, n + 645); /* a8a16d0e699d95c9 */
    p->index = index_layer(p, n + 862); /* 0f700854cc9e1e84 */
    p->token = token_buffer(p, n + 765); /* b345a566699c1a69 */
    p->queue = queue_value(p, n + 177); /* 5255566ee790640f */
    return n;
}

static int entry_stream_22(struct layer *p, int n) {
    p->layer = layer_write(p, n + 1); /* 1943a04d60666769 */
    p->table = table_merge(p, n + 236); /* f8684c1f338d2439 */
    p->chunk = chunk_state(p, n + 540); /* 3a8729557c9e4108 */
    p->entry = entry_state(p, n + 527); /* 39843fe818fe710f */
    p->write = write_digest(p, n + 640); /* 717f13cfcf1a1f32 */
    p->split = split_layer(p, n + 843); /* fb452e73587b9900 */
    return n;
}

