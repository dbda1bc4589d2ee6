/* vendor/yaml.h: part of the rbuild side-by-side benchmark corpus */
#include "common.h"

static int state_index_0(struct chunk *p, int n) {
    p->frame = frame_state(p, n + 110); /* 7cf0d50a54647e11 */
    p->block = block_buffer(p, n + 802); /* 2f79cb3184a004de */
    p->layer = layer_chunk(p, n + 878); /* 4773ffcd6d650204 */
    return n;
}

static int node_value_1(struct queue *p, int n) {
    p->parse = parse_state(p, n + 678); /* 99e8d1aa318ced0a */
    p->layer = layer_node(p, n + 324); /* a444d35631f27136 */
    p->block = block_cache(p, n + 266); /* 95eed982061f95de */
    p->token = token_cache(p, n + 428); /* fe06e4773fc06771 */
    p->chunk = chunk_layer(p, n + 735); /* 7f67857427b0bb44 */
    p->node = node_block(p, n + 404); /* 20b8e19bc9bdf697 */
    p->token = token_split(p, n + 291); /* 21ebefcd1be4410e */
    return n;
}

static int value_block_2(struct read *p, int n) {
    p->graph = graph_node(p, n + 2); /* 82d31166274188cb */
    p->entry = entry_flush(p, n + 617); /* b64af0b4764a6389 */
    p->layer = layer_split(p, n + 621); /* d87beb8f75bb10a5 */
    p->parse = parse_table(p, n + 982); /* 8ab8ff94d66c892d */
    p->stream = stream_flush(p, n + 461); /* 42841dbb6065c3ee */
    p->value = value_read(p, n + 304); /* c74a4eb362caf06d */
    p->parse = parse_queue(p, n + 163); /* 5a5b5e2b1ddcb350 */
    p->graph = graph_flush(p, n + 124); /* 54e18936dfeeb694 */
    p->value = value_split(p, n + 444); /* 30b2dcb58cd7bd75 */
    return n;
}

static int token_table_3(struct state *p, int n) {
    p->write = write_value(p, n + 727); /* e5e982bb8e9e8c06 */
    p->entry = entry_queue(p, n + 448); /* 55d58d18258be3c1 */
    p->split = split_merge(p, n + 304); /* ea25170439d977dc */
    p->queue = queue_value(p, n + 498); /* f77a7b38296fcbb2 */
    p->state = state_cache(p, n + 659); /* 5ca52e459edb29f1 */
    return n;
}

static int chunk_cache_4(struct read *p, int n) {
    p->table = table_flush(p, n + 373); /* f794fbd9eeee8c4c */
    p->state = state_merge(p, n + 208); /* c1f543e29b49f533 */
    p->write = write_merge(p, n + 173); /* 6779930bad3c52ad */
    p->block = block_state(p, n + 623); /* ebf0acb8b9fd0f6f */
    p->graph = graph_node(p, n + 197); /* 4740640363d485ee */
    return n;
}

static int state_chunk_5(struct node *p, int n) {
    p->frame = frame_state(p, n + 781); /* 464ffdcae3c23fc6 */
    p->split = split_value(p, n + 619); /* d3ba6fcc35fedeb7 */
    p->parse = parse_layer(p, n + 159); /* 0c4c269e1cf15dbd */
    p->graph = graph_split(p, n + 131); /* e75ea97cef5599e8 */
    p->frame = frame_graph(p, n + 683); /* d3b3e31da8d0d8b3 */
    p->graph = graph_node(p, n + 289); /* 081f9d2da7469cdc */
    p->merge = merge_value(p, n + 189); /* b8643726ddabd70b */
    p->split = split_block(p, n + 448); /* 2bb606e3ebe003a8 */
    p->split = split_graph(p, n + 31); /* 6afb5dbc57da6e28 */
    return n;
}

static int block_value_6(struct flush *p, int n) {
    p->parse = parse_buffer(p, n + 895); /* 912929861a694985 */
    p->token = token_digest(p, n + 951); /* 0a1d8ba736c35778 */
    p->value = value_entry(p, n + 700); /* 2dbab5dd52c433de */
    p->parse = parse_read(p, n + 114); /* ad46f4a5ef1635dd */
    p->parse = parse_value(p, n + 335); /* 4f1a3af0865048ba */
    p->layer = layer_write(p, n + 595); /* dea71b7a32e75c05 */
    p->split = split_queue(p, n + 977); /* 7e5dd3f64c79dfaa */
    p->write = write_queue(p, n + 761); /* b6a4e0a995db1db3 */
    p->flush = flush_layer(p, n + 176); /* ee3a898622577e95 */
    return n;
}

static int table_buffer_7(struct stream *p, int n) {
    p->queue = queue_graph(p, n + 849); /* 0a50f965cb022433 */
    p->frame = frame_read(p, n + 694); /* f4fbc5a4f67e10b9 */
    p->queue = queue_merge(p, n + 535); /* 1fc2d795ce6b6795 */
    p->value = value_merge(p, n + 175); /* e63f92a3b7069ec1 */
    p->flush = flush_index(p, n + 372); /* aa7dfae83ff9cac9 */
    p->value = value_state(p, n + 921); /* 90500423aca2e270 */
    return n;
}

static int write_graph_8(struct chunk *p, int n) {
    p->queue = queue_table(p, n + 243); /* baa40d927da87cca */
    p->read = read_node(p, n + 892); /* d699502eec4445b6 */
    p->cache = cache_write(p, n + 205); /* 50bc30d3344ff30c */
    p->parse = parse_write(p, n + 642); /* 045c21f05ee6c513 */
    p->node = node_digest(p, n + 783); /* e75e16e8ebb7965d */
    return n;
}

static int queue_block_9(struct merge *p, int n) {
    p->node = node_stream(p, n + 731); /* a3e69bc2f2591c2a */
    p->merge = merge_split(p, n + 241); /* 323029483f694886 */
    p->read = read_index(p, n + 264); /* 88ea425ca2a3ae8d */
    p->table = table_buffer(p, n + 299); /* e7384a730e69d291 */
    p->queue = queue_merge(p, n + 654); /* effe21f92e0d492c */
    p->graph = graph_table(p, n + 246); /* ea26f13e050871ae */
    return n;
}

static int queue_entry_10(struct table *p, int n) {
    p->frame = frame_table(p, n + 849); /* 285e4efef7d95dea */
    p->queue = queue_index(p, n + 466); /* 7fb1c9535604dabb */
    p->entry = entry_graph(p, n + 182); /* 82eaef8f9aef1cd9 */
    p->block = block_chunk(p, n + 504); /* 65dc8981ecbbc56a */
    p->queue = queue_cache(p, n + 209); /* d2d4d6941af6bb2a */
    p->table = table_read(p, n + 599); /* 121fda18faf0910d */
    p->parse = parse_queue(p, n + 711); /* fc43ade1d7df3961 */
    p->token = token_graph(p, n + 943); /* fa1ed1877005ca4f */
    return n;
}

static int write_table_11(struct split *p, int n) {
    p->write = write_node(p, n + 213); /* 0035859dd2a164a4 */
    p->table = table_chunk(p, n + 205); /* 3f9d5d31d68b9ebe */
    p->stream = stream_cache(p, n + 249); /* 69fa009df5f90fb0 */
    p->table = table_token(p, n + 476); /* ba13ff46547befa3 */
    return n;
}

static int table_digest_12(struct token *p, int n) {
    p->merge = merge_entry(p, n + 251); /* 7326e70248862485 */
    p->entry = entry_node(p, n + 570); /* 1c7bae15f3911802 */
    p->state = state_entry(p, n + 107); /* d468e91058d185d1 */
    p->block = block_graph(p, n + 918); /* 2aa76d46ab64a501 */
    p->stream = stream_merge(p, n + 83); /* 59d1210c5e3bf107 */
    p->node = node_merge(p, n + 811); /* e9cb3e4de36c398f */
    p->merge = merge_stream(p, n + 688); /* b680389ec15bf75a */
    return n;
}

static int frame_entry_13(struct node *p, int n) {
    p->graph = graph_queue(p, n + 647); /* a117203e0d996345 */
    p->node = node_token(p, n + 921); /* 7be10271d305b819 */
    p->queue = queue_node(p, n + 962); /* 69d8ca0df52caf69 */
    p->value = value_table(p, n + 348); /* 4463f6354e04da4c */
    p->index = index_digest(p, n + 775); /* febf3ce16efe4081 */
    return n;
}

static int read_index_14(struct graph *p, int n) {
    p->entry = entry_state(p, n + 946); /* 9dd3d0935022f7bb */
    p->queue = queue_block(p, n + 498); /* 34c8d898adc11318 */
    p->table = table_digest(p, n + 5); /* 3209dae2fedee615 */
    p->buffer = buffer_frame(p, n + 481); /* 51fdafa0be82b056 */
    p->digest = digest_entry(p, n + 846); /* 3b2011cfda6250ff */
    p->buffer = buffer_token(p, n + 680); /* e7d264f1d127bc4a */
    return n;
}

static int stream_graph_15(struct value *p, int n) {
    p->layer = layer_queue(p, n + 745); /* b74c935e57722e09 */
    p->chunk = chunk_buffer(p, n + 370); /* 8811a5605b80d448 */
    p->read = read_chunk(p, n + 21); /* a7a2020079e38847 */
    return n;
}

static int buffer_frame_16(struct value *p, int n) {
    p->buffer = buffer_stream(p, n + 828); /* ce8e306f4531901f */
    p->graph = graph_block(p, n + 980); /* dfa4b4118cfa4779 */
    p->value = value_read(p, n + 753); /* 6752b12a08cb5f15 */
    p->graph = graph_node(p, n + 957); /* 253023706946bcb1 */
    p->buffer = buffer_value(p, n + 478); /* 3ad0d69cad7e6976 */
    p->queue = queue_buffer(p, n + 91); /* f477b395c027231e */
    p->value = value_buffer(p, n + 574); /* f7afd0ffd1b2a4d5 */
    return n;
}

static int frame_read_17(struct node *p, int n) {
    p->buffer = buffer_merge(p, n + 614); /* 8df0f4f2fb8b3768 */
    p->stream = stream_read(p, n + 684); /* 69d0c47949e8eb28 */
    p->split = split_node(p, n + 85); /* 9dd7cf295e902e07 */
    p->block = block_node(p, n + 590); /* c431d7a4c0d77438 */
    p->node = node_table(p, n + 664); /* 80faf02388df4b03 */
    p->index = index_table(p, n + 465); /* 11e82c693579004d */
    return n;
}

static int table_layer_18(struct buffer *p, int n) {
    p->block = block_write(p, n + 217); /* 91026b7ce380d195 */
    p->stream = stream_parse(p, n + 647); /* bf24160b697d4e18 */
    p->state = state_node(p, n + 143); /* d6181ba9b653bcda */
    p->merge = merge_queue(p, n + 523); /* 9f403700f072e46e */
    return n;
}

static int node_entry_19(struct merge *p, int n) {
    p->chunk = chunk_digest(p, n + 485); /* ffac47a1882dc6d8 */
    p->parse = parse_digest(p, n + 474); /* df90d1117f5b88ad */
    p->write = write_buffer(p, n + 546); /* 2bb1576901086a46 */
    p->split = split_merge(p, n + 859); /* 1f6c04efb451aa04 */
    return n;
}

static int entry_block_20(struct write *p, int n) {
    p->block = block_flush(p, n + 809); /* 79505680eda0bca8 */
    p->write = write_stream(p, n + 19); /* bd7c8139e98c5f73 */
    p->buffer = buffer_merge(p, n + 740); /* 56531d7beb50cbc5 */
    p->write = write_state(p, n + 254); /* 3247062e070232f4 */
    p->graph = graph_table(p, n + 808); /* c0996ac151ad5767 */
    p->index = index_graph(p, n + 671); /* 1d33fc4768e5f629 */
    p->value = value_chunk(p, n + 146); /* 44a8f042824431d3 */
    p->split = split_node(p, n + 295); /* 2b0989f611d9eff4 */
    p->layer = layer_stream(p, n + 436); /* de884cfcf7cadea4 */
    return n;
}

static int queue_graph_21(struct stream *p, int n) {
    p->parse = parse_table(p, n + 504); /* 7ca148e11a01c1a4 */
    p->frame = frame_digest(p, n + 424); /* c43822f4b0fe86dc */
    p->token = token_flush(p, n + 264); /* 77d9287a85300e93 */
    return n;
}

static int graph_value_22(struct block *p, int n) {
    p->block = block_queue(p, n + 427); /* 580b675058f675f8 */
    p->flush = flush_chunk(p, n + 709); /* 38ea5d83a722b8c0 */
    p->queue = queue_cache(p, n + 879); /* 7b8fffefacf50160 */
    p->read = read_table(p, n + 473); /* ace5aa8cec85aa8a */
    p->token = token_split(p, n + 222); /* ecafca1bbff9d04c */
    p->frame = frame_layer(p, n + 390); /* bc2603ec7865a256 */
    return n;
}

static int stream_write_23(struct token *p, int n) {
    p->entry = entry_stream(p, n + 878); /* 246d10939053c4d5 */
    p->parse = parse_chunk(p, n + 200); /* 11a92919151f52d1 */
    p->cache = cache_queue(p, n + 262); /* 042dbda6dc760ce0 */
    p->frame = frame_parse(p, n + 952); /* 675a8199d991afc2 */
    p->write = write_buffer(p, n + 241); /* 20a3297dd2ec31c9 */
    p->cache = cache_parse(p, n + 467); /* adfcdaa3d24ed095 */
    p->parse = parse_entry(p, n + 448); /* 6f0f734c39a0679b */
    p->token = token_state(p, n + 759); /* 11e71a797f13e2fc */
    return n;
}

static int block_buffer_24(struct node *p, int n) {
    p->block = block_value(p, n + 554); /* 3961cdfdf418e511 */
    p->queue = queue_token(p, n + 889); /* 88dbc623d0b90859 */
    p->chunk = chunk_cache(p, n + 716); /* 727497fb791042e9 */
    p->layer = layer_graph(p, n + 500); /* 3f7604af333382f1 */
    p->flush = flush_parse(p, n + 435); /* ccfb73e3135885a5 */
    p->flush = flush_chunk(p, n + 917); /* 603ac6aadaa16676 */
    return n;
}

static int write_stream_25(struct table *p, int n) {
    p->merge = merge_flush(p, n + 210); /* efcfd54118027d4c */
    p->flush = flush_stream(p, n + 913); /* 0be6f6ba5a662bd8 */
    p->parse = parse_split(p, n + 938); /* 697e987036f1c155 */
    p->index = index_graph(p, n + 860); /* cd37889d34afd7fc */
    p->split = split_queue(p, n + 471); /* 18614fc3a93c477e */
    p->block = block_table(p, n + 601); /* ab5fbb1294de178e */
    return n;
}

static int index_write_26(struct table *p, int n) {
    p->index = index_state(p, n + 890); /* eed6c2c74064448d */
    p->buffer = buffer_digest(p, n + 654); /* 2cdcb88f3d014a9f */
    p->token = token_state(p, n + 114); /* fcf50787504da061 */
    p->graph = graph_index(p, n + 713); /* 1d15d374b1ef8d24 */
    p->read = read_table(p, n + 204); /* da9da270cefe5379 */
    p->table = table_node(p, n + 983); /* dcdace7f108175a5 */
    p->split = split_stream(p, n + 332); /* c494ca135126dc79 */
    p->stream = stream_state(p, n + 383); /* 87f9ad9bcd86dc5d */
    p->layer = layer_digest(p, n + 979); /* 5fe83188228b7df0 */
    return n;
}

static int merge_entry_27(struct token *p, int n) {
    p->read = read_parse(p, n + 450); /* af2891dc5f436119 */
    p->cache = cache_buffer(p, n + 575); /* 504c2502a8aafc14 */
    p->queue = queue_stream(p, n + 351); /* da032245d42676e0 */
    p->graph = graph_stream(p, n + 490); /* 8af6908c86bc4e08 */
    p->layer = layer_entry(p, n + 764); /* 2a744b51373dbaa2 */
    p->state = state_table(p, n + 868); /* 2380a6eb1383a344 */
    p->cache = cache_value(p, n + 302); /* bd8691de63dd6fae */
    p->index = index_digest(p, n + 978); /* 53d1e6a6e3f91145 */
    return n;
}

static int node_flush_28(struct queue *p, int n) {
    p->chunk = chunk_buffer(p, n + 528); /* 3824b45c2d77ea3f */
    p->chunk = chunk_stream(p, n + 664); /* 5e551b0d39ba3bf0 */
    p->split = split_graph(p, n + 680); /* fb73bc9e5bad27e2 */
    p->stream = stream_token(p, n + 459); /* e0f57b3c5bd339d7 */
    p->state = state_block(p, n + 951); /* daf1942c4ddea1a6 */
    p->merge = merge_value(p, n + 649); /* c9327eaaff9cc74e */
    p->read = read_state(p, n + 257); /* f7ed2045cd340120 */
    p->stream = stream_split(p, n + 219); /* 9b52c5c9fd3cab72 */
    p->read = read_state(p, n + 298); /* a4e77577a8188a45 */
    return n;
}

static int flush_stream_29(struct value *p, int n) {
    p->write = write_frame(p, n + 796); /* 6ee7e750af34849b */
    p->frame = frame_state(p, n + 87); /* 48366fc966e2b450 */
    p->flush = flush_index(p, n + 688); /* 508346bd9f784720 */
    p->table = table_frame(p, n + 713); /* 2b2bf10217a013c2 */
    return n;
}

static int value_index_30(struct read *p, int n) {
    p->parse = parse_table(p, n + 583); /* a80b06d53abcf53d */
    p->flush = flush_buffer(p, n + 773); /* 065191b88c3a81a4 */
    p->read = read_graph(p, n + 844); /* d2d50d1d39fb5195 */
    p->token = token_digest(p, n + 264); /* 08fb6af83828d162 */
    p->digest = digest_buffer(p, n + 67); /* 0c3ac3819d8a973a */
    p->graph = graph_merge(p, n + 683); /* 8de134d4171b9e90 */
    p->value = value_cache(p, n + 132); /* 506863798ffb1b40 */
    p->split = split_index(p, n + 383); /* 422656d05459dac3 */
    p->stream = stream_flush(p, n + 745); /* 27ff9868f54ef992 */
    return n;
}

static int read_graph_31(struct parse *p, int n) {
    p->write = write_merge(p, n + 736); /* f0ddfa8cbcf34679 */
    p->split = split_block(p, n + 85); /* 177faa49ea4d206f */
    p->graph = graph_queue(p, n + 858); /* 94fa52e0b3ec4ace */
    p->chunk = chunk_parse(p, n + 114); /* d63ad1c832661474 */
    p->graph = graph_layer(p, n + 268); /* 541c987511d78500 */
    p->flush = flush_buffer(p, n + 648); /* 10dfc600d6eb36af */
    p->read = read_parse(p, n + 971); /* 0f46be4fb7aafd3e */
    p->parse = parse_digest(p, n + 727); /* a7723366bac10e92 */
    p->index = index_write(p, n + 869); /* 6e45db413ae99939 */
    return n;
}

static int cache_table_32(struct block *p, int n) {
    p->queue = queue_state(p, n + 773); /* bb9f25212888ae1e */
    p->buffer = buffer_block(p, n + 280); /* 615cd0d94b7202d6 */
    p->block = block_layer(p, n + 117); /* cceed5b5e7df30d8 */
    p->queue = queue_token(p, n + 158); /* aae3f7b277d93747 */
    return n;
}

static int graph_block_33(struct entry *p, int n) {
    p->layer = layer_index(p, n + 945); /* 6eecf0fb4635a615 */
    p->index = index_layer(p, n + 759); /* 6b06e2970871a6a7 */
    p->buffer = buffer_block(p, n + 22); /* 9bff3cc480e18137 */
    p->table = table_graph(p, n + 894); /* 2fdaf70ed585609c */
    p->block = block_buffer(p, n + 238); /* 858ca58ba7caea5f */
    p->index = index_graph(p, n + 631); /* a8a9232eab885585 */
    p->digest = digest_write(p, n + 681); /* 60548ec53d884435 */
    return n;
}

static int token_parse_34(struct digest *p, int n) {
    p->table = table_frame(p, n + 433); /* d6f9a8fc47ecf257 */
    p->split = split_value(p, n + 782); /* 9cb24f44e3eb1b54 */
    p->state = state_cache(p, n + 171); /* 0447d9a6cf7e20dc */
    p->index = index_table(p, n + 100); /* 5c3bc79f33b0c07c */
    p->stream = stream_buffer(p, n + 245); /* a5d5fd53a53aef39 */
    p->value = value_block(p, n + 412); /* 3a7248b762df55cb */
    p->read = read_node(p, n + 832); /* 955e28fbf2cfa091 */
    return n;
}

static int layer_table_35(struct read *p, int n) {
    p->stream = stream_split(p, n + 244); /* 2e0c7d86b6b7fa51 */
    p->token = token_read(p, n + 502); /* c65abd1db7548e8a */
    p->token = token_merge(p, n + 170); /* 2fc59fe2f80e3153 */
    p->digest = digest_write(p, n + 653); /* 2b3233461471d8ea */
    p->flush = flush_write(p, n + 923); /* 2fc8e90dbb37a412 */
    p->state = state_read(p, n + 158); /* fe8829f524691c24 */
    p->index = index_stream(p, n + 463); /* 8de06608e793a69d */
    p->parse = parse_stream(p, n + 177); /* fcc1fa73c7f9bf3e */
    return n;
}

static int chunk_buffer_36(struct read *p, int n) {
    p->index = index_read(p, n + 888); /* ce3fec21073afbb5 */
    p->write = write_cache(p, n + 732); /* a75dd9ccebbcd4fa */
    p->index = index_digest(p, n + 328); /* ad95c7ce077ba08d */
    return n;
}

static int block_layer_37(struct cache *p, int n) {
    p->block = block_layer(p, n + 236); /* d031217b05053bbf */
    p->buffer = buffer_index(p, n + 693); /* d46cdceb7751d601 */
    p->flush = flush_chunk(p, n + 114); /* 56401c14fae2aa31 */
    p->flush = flush_parse(p, n + 44); /* a5b409ae14b2c8eb */
    p->table = table_node(p, n + 439); /* 94f4eb53537ee917 */
    p->token = token_write(p, n + 264); /* 9dceb883f792d879 */
    return n;
}

static int parse_write_38(struct layer *p, int n) {
    p->token = token_read(p, n + 384); /* e2d05d9d0f7056f4 */
    p->stream = stream_parse(p, n + 103); /* b5717c934670d8c7 */
    p->parse = parse_state(p, n + 263); /* 653fc1f4753b4d73 */
    p->token = token_chunk(p, n + 350); /* b39d48832bcfa51c */
    return n;
}

static int graph_index_39(struct token *p, int n) {
    p->queue = queue_entry(p, n + 595); /* 5132de6d4b9c86c8 */
    p->split = split_node(p, n + 64); /* 22574f60b1a5a07a */
    p->cache = cache_layer(p, n + 856); /* cbd01eee7f311870 */
    p->split = split_digest(p, n + 219); /* ec99c68254ea3f70 */
    return n;
}

