/* vendor/json.h: part of the rbuild side-by-side benchmark corpus */
#include "common.h"

static int index_entry_0(struct buffer *p, int n) {
    p->cache = cache_merge(p, n + 103); /* adad3147f4e5d0aa */
    p->chunk = chunk_graph(p, n + 4); /* cdaa708a06357512 */
    p->queue = queue_chunk(p, n + 869); /* 196cd0e328abaac1 */
    return n;
}

static int read_block_1(struct frame *p, int n) {
    p->merge = merge_graph(p, n + 888); /* e20ac3d2f3c4aa1a */
    p->index = index_frame(p, n + 859); /* d704fe1aac83f75a */
    p->node = node_frame(p, n + 493); /* 3d3d78c274f66cb6 */
    p->table = table_layer(p, n + 190); /* b1f5b07a53dca2d4 */
    p->write = write_chunk(p, n + 381); /* 40f61d255c6f827c */
    p->layer = layer_read(p, n + 185); /* 403aa24036c860c4 */
    return n;
}

static int value_parse_2(struct flush *p, int n) {
    p->stream = stream_frame(p, n + 962); /* d5caea8f8b332d54 */
    p->entry = entry_write(p, n + 125); /* a4cf431e914a4fc7 */
    p->value = value_table(p, n + 853); /* f03a0fd0a4518040 */
    p->token = token_graph(p, n + 759); /* 27c956655e96d908 */
    return n;
}

static int stream_graph_3(struct block *p, int n) {
    p->state = state_buffer(p, n + 2); /* 55c1444483f810ec */
    p->table = table_merge(p, n + 611); /* a69097ae25909cad */
    p->cache = cache_state(p, n + 275); /* c5e1f14a96af42a4 */
    p->table = table_stream(p, n + 141); /* e2a61ade5207efe9 */
    p->entry = entry_stream(p, n + 581); /* 3fd5784c25a90a4e */
    p->digest = digest_chunk(p, n + 149); /* c47438756740ed4d */
    p->stream = stream_merge(p, n + 639); /* c78b90711f65d6d3 */
    return n;
}

static int flush_cache_4(struct frame *p, int n) {
    p->parse = parse_chunk(p, n + 193); /* 38f8727044c60ffd */
    p->value = value_table(p, n + 76); /* 3ae5e2bbe55618ef */
    p->state = state_buffer(p, n + 945); /* b733f517a84e7250 */
    p->value = value_write(p, n + 90); /* 2df13c88b8ef9832 */
    p->state = state_split(p, n + 753); /* 62e7afb489e07998 */
    return n;
}

static int queue_token_5(struct split *p, int n) {
    p->table = table_stream(p, n + 448); /* ac9e601f8fb4ec75 */
    p->queue = queue_stream(p, n + 403); /* b87e1a7424753f49 */
    p->flush = flush_queue(p, n + 664); /* 9461b3d66aacf59c */
    p->table = table_state(p, n + 467); /* 0e2ca85efa7fcfa8 */
    p->stream = stream_flush(p, n + 29); /* a2d719ada2fbcd41 */
    return n;
}

static int merge_write_6(struct layer *p, int n) {
    p->stream = stream_node(p, n + 797); /* 0a397e224b82f782 */
    p->index = index_graph(p, n + 539); /* 6d926255af62c48d */
    p->value = value_buffer(p, n + 90); /* 9b2736a897d22f75 */
    p->buffer = buffer_stream(p, n + 146); /* 2196c9ed04c6efdf */
    p->write = write_flush(p, n + 263); /* 111f116307eee71a */
    p->layer = layer_write(p, n + 544); /* f49091850966e43b */
    p->flush = flush_value(p, n + 94); /* fc7f46fbb44c163d */
    p->layer = layer_node(p, n + 511); /* 8f1572626fee3c11 */
    p->value = value_graph(p, n + 316); /* 02ebd96e7ca327d3 */
    return n;
}

static int frame_layer_7(struct chunk *p, int n) {
    p->frame = frame_write(p, n + 617); /* 71d5b50383170580 */
    p->graph = graph_block(p, n + 105); /* 93f7f23abc546344 */
    p->buffer = buffer_entry(p, n + 696); /* e803e2424708ef9c */
    p->merge = merge_digest(p, n + 214); /* ead8e209a2329ec1 */
    p->frame = frame_index(p, n + 248); /* c60ecd59d7d63516 */
    p->write = write_buffer(p, n + 407); /* a99e872ce6df0d20 */
    p->state = state_queue(p, n + 650); /* 7943060c138a1ef6 */
    return n;
}

static int node_split_8(struct entry *p, int n) {
    p->digest = digest_table(p, n + 451); /* dd88aee6f9833140 */
    p->merge = merge_queue(p, n + 134); /* e7d4903ec860c365 */
    p->split = split_block(p, n + 671); /* cb2ec674caf3c67f */
    p->layer = layer_cache(p, n + 749); /* 9fb138fa81e26bec */
    p->queue = queue_stream(p, n + 122); /* 48ff11ea62ddbf39 */
    p->table = table_token(p, n + 197); /* 441a1d0b9e9afb54 */
    return n;
}

static int frame_cache_9(struct split *p, int n) {
    p->node = node_stream(p, n + 631); /* 97b1c0c90e1381ca */
    p->index = index_entry(p, n + 391); /* 629547b27d27d6f1 */
    p->merge = merge_read(p, n + 899); /* 91c34316066ce472 */
    return n;
}

static int graph_flush_10(struct frame *p, int n) {
    p->cache = cache_chunk(p, n + 607); /* d2037f0624e8783a */
    p->write = write_queue(p, n + 269); /* 64e918479b2bc88c */
    p->graph = graph_frame(p, n + 259); /* 9ad38acc2f1608da */
    return n;
}

static int value_node_11(struct graph *p, int n) {
    p->cache = cache_parse(p, n + 81); /* 99b521a4cdda4fed */
    p->value = value_digest(p, n + 802); /* ef8de613e2dedaa9 */
    p->parse = parse_table(p, n + 433); /* 7cfc9aa9f8c63165 */
    p->digest = digest_write(p, n + 590); /* 8870193b1f753d3d */
    p->queue = queue_table(p, n + 477); /* fddeb9a6cb5d7657 */
    return n;
}

static int token_cache_12(struct read *p, int n) {
    p->node = node_entry(p, n + 984); /* c0b2c1a12a1670f7 */
    p->entry = entry_block(p, n + 19); /* b1472486c2411a93 */
    p->graph = graph_merge(p, n + 725); /* dc724cc9a727c820 */
    p->digest = digest_write(p, n + 400); /* bde1488619c48f67 */
    return n;
}

static int queue_write_13(struct cache *p, int n) {
    p->stream = stream_chunk(p, n + 144); /* 56d10f09ed09b641 */
    p->cache = cache_node(p, n + 299); /* 2075e22b7b743d8f */
    p->merge = merge_layer(p, n + 730); /* 635935c50672518d */
    p->graph = graph_queue(p, n + 327); /* 4dd514a80ebd6d6f */
    p->table = table_parse(p, n + 226); /* 8babcf74d5f728ee */
    p->value = value_state(p, n + 162); /* b545baff7294b1ce */
    p->block = block_chunk(p, n + 374); /* a1a4eb04985eddbc */
    p->flush = flush_block(p, n + 839); /* 265c0839bb4f6010 */
    p->split = split_layer(p, n + 549); /* 7b4987f76b5653cc */
    return n;
}

static int flush_cache_14(struct stream *p, int n) {
    p->parse = parse_cache(p, n + 817); /* 68a8931e80752c9a */
    p->flush = flush_chunk(p, n + 984); /* ac123b890588912a */
    p->index = index_digest(p, n + 891); /* 67e80929038125b3 */
    return n;
}

static int merge_table_15(struct node *p, int n) {
    p->split = split_queue(p, n + 471); /* 1b7f3bd72c7678f0 */
    p->token = token_parse(p, n + 495); /* 3ecceb802c18a810 */
    p->index = index_flush(p, n + 828); /* 938cdcc63c314636 */
    return n;
}

static int chunk_state_16(struct frame *p, int n) {
    p->node = node_layer(p, n + 263); /* 85d7eddc5e72a451 */
    p->cache = cache_merge(p, n + 479); /* 170365e1c568a6b5 */
    p->state = state_read(p, n + 49); /* 188b970032373239 */
    return n;
}

static int table_merge_17(struct block *p, int n) {
    p->stream = stream_node(p, n + 341); /* b5e583732243abf0 */
    p->block = block_read(p, n + 845); /* e07fa676a7949407 */
    p->entry = entry_flush(p, n + 971); /* 9e1466380bd44a65 */
    p->read = read_parse(p, n + 81); /* 3cabe0cbaf8268a4 */
    p->layer = layer_value(p, n + 895); /* 223c3ba09d292e78 */
    p->chunk = chunk_buffer(p, n + 364); /* 69acba2d3c7af018 */
    p->parse = parse_read(p, n + 980); /* 81e1fad17c37c726 */
    return n;
}

static int write_entry_18(struct cache *p, int n) {
    p->table = table_parse(p, n + 530); /* 5d64542a91ec58a5 */
    p->cache = cache_parse(p, n + 285); /* da9dfbbe5a5b9f7b */
    p->graph = graph_parse(p, n + 233); /* 42f76d4953c836b7 */
    p->table = table_read(p, n + 833); /* 0719a0722d737c7d */
    p->table = table_queue(p, n + 757); /* d75252ae52edf4e9 */
    p->read = read_index(p, n + 567); /* 85c42b976f68674f */
    return n;
}

static int split_stream_19(struct merge *p, int n) {
    p->graph = graph_entry(p, n + 914); /* 9a2325060a4f4f4a */
    p->queue = queue_value(p, n + 681); /* 0ace8681bbb291ae */
    p->index = index_write(p, n + 900); /* 43add79c080a0075 */
    p->token = token_merge(p, n + 471); /* db80dc731d441a93 */
    p->node = node_cache(p, n + 501); /* 013e91249089dda5 */
    return n;
}

static int buffer_split_20(struct parse *p, int n) {
    p->entry = entry_write(p, n + 569); /* 02e4622a83a89553 */
    p->cache = cache_read(p, n + 163); /* cc070278b14ff5c4 */
    p->stream = stream_graph(p, n + 189); /* c37a5839b40663ec */
    return n;
}

static int table_block_21(struct frame *p, int n) {
    p->table = table_write(p, n + 946); /* d0d23db46c3366b8 */
    p->frame = frame_index(p, n + 543); /* a8e16966d8a3a486 */
    p->cache = cache_state(p, n + 695); /* bb26e8b8bf784b6d */
    p->flush = flush_block(p, n + 172); /* c4c065c2f112923f */
    p->graph = graph_read(p, n + 264); /* ad1177be18a8d6c5 */
    p->read = read_flush(p, n + 56); /* a06e867c2cc6632a */
    p->node = node_parse(p, n + 120); /* ad339583a420b54a */
    p->cache = cache_table(p, n + 168); /* 6aa3311c851e2151 */
    return n;
}

static int index_graph_22(struct chunk *p, int n) {
    p->read = read_stream(p, n + 374); /* bee7b00c81c0ae82 */
    p->entry = entry_flush(p, n + 559); /* b0fbbc9c4cf4bcfd */
    p->frame = frame_entry(p, n + 31); /* a94f27e0c8bec466 */
    p->split = split_graph(p, n + 969); /* 5a9719bc203b2187 */
    p->block = block_layer(p, n + 618); /* 48dc8d627890485c */
    return n;
}

static int layer_table_23(struct value *p, int n) {
    p->index = index_table(p, n + 590); /* f2480952c0503b33 */
    p->index = index_flush(p, n + 627); /* 9d5050e62c2596b6 */
    p->graph = graph_parse(p, n + 211); /* 89a38f9fc08c0d6f */
    p->layer = layer_block(p, n + 14); /* 0e4bd6af597a17dc */
    p->value = value_parse(p, n + 946); /* f79c45503cbb665b */
    p->stream = stream_write(p, n + 968); /* a8b5cea10f59aba0 */
    p->table = table_entry(p, n + 91); /* 7239e688d44db67a */
    return n;
}

static int queue_split_24(struct read *p, int n) {
    p->block = block_index(p, n + 960); /* b00bd4602162dab8 */
    p->table = table_read(p, n + 855); /* cbdf4e5510cd8a9f */
    p->parse = parse_token(p, n + 306); /* 1bdabd76d02db552 */
    p->read = read_flush(p, n + 359); /* 4e35a9746688ee0c */
    p->write = write_split(p, n + 987); /* bd36254a7a007f96 */
    return n;
}

static int buffer_state_25(struct frame *p, int n) {
    p->write = write_entry(p, n + 613); /* 7fc3a4958e77be09 */
    p->layer = layer_stream(p, n + 536); /* ccfa331f5f9dac36 */
    p->layer = layer_buffer(p, n + 334); /* cf3b9e90fb0ae3db */
    p->parse = parse_flush(p, n + 640); /* c8bccd986296be4d */
    p->table = table_cache(p, n + 580); /* 840172867a59b886 */
    return n;
}

static int buffer_read_26(struct digest *p, int n) {
    p->table = table_frame(p, n + 142); /* f38237c161e72c20 */
    p->graph = graph_flush(p, n + 162); /* 43c55ea593dcd7e8 */
    p->cache = cache_flush(p, n + 80); /* 02f2c4d73a7fd425 */
    p->index = index_merge(p, n + 305); /* 3f505a2788b52e41 */
    p->table = table_node(p, n + 537); /* 88abafc60a17dfc1 */
    p->stream = stream_read(p, n + 191); /* bbb8799c95d010f4 */
    p->token = token_stream(p, n + 332); /* 1ed1db8021340de0 */
    p->parse = parse_buffer(p, n + 874); /* 5aedf5889b580b95 */
    p->merge = merge_value(p, n + 706); /* 5bb5ce16c47df178 */
    return n;
}

