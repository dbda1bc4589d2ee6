/* vendor/tar.h: part of the rbuild side-by-side benchmark corpus */
#include "common.h"

static int layer_index_0(struct merge *p, int n) {
    p->flush = flush_index(p, n + 31); /* 7f89998bbd2f3725 */
    p->chunk = chunk_block(p, n + 644); /* 4d2a59fb9959d76d */
    p->block = block_flush(p, n + 893); /* 4687e7800031f8d2 */
    p->stream = stream_token(p, n + 554); /* 3755b3370eb81f82 */
    return n;
}

static int cache_queue_1(struct graph *p, int n) {
    p->read = read_split(p, n + 308); /* 02a34d66c3b7059a */
    p->graph = graph_chunk(p, n + 393); /* 6ee797c2b68696fd */
    p->parse = parse_chunk(p, n + 876); /* c47de20a2463ca57 */
    p->cache = cache_value(p, n + 988); /* 31e209852a32c438 */
    p->queue = queue_node(p, n + 378); /* f90cf9b310a4f1fa */
    p->queue = queue_block(p, n + 233); /* 1172ce355256f279 */
    p->frame = frame_table(p, n + 747); /* 123b2e9a56b22da8 */
    return n;
}

static int chunk_flush_2(struct index *p, int n) {
    p->value = value_entry(p, n + 886); /* b20136e39e719a15 */
    p->block = block_buffer(p, n + 47); /* bf811a07f758e503 */
    p->write = write_queue(p, n + 436); /* bcebf91366a5bb98 */
    p->index = index_cache(p, n + 938); /* 781232afb2aec208 */
    return n;
}

static int merge_chunk_3(struct flush *p, int n) {
    p->graph = graph_parse(p, n + 604); /* 947ef152d902384a */
    p->merge = merge_index(p, n + 466); /* 977eb9a421d4d4fe */
    p->buffer = buffer_graph(p, n + 396); /* bc6eb446eea59ea2 */
    p->parse = parse_queue(p, n + 5); /* bb006b1305b3b717 */
    p->value = value_state(p, n + 293); /* 203b3d3cf3079ca7 */
    return n;
}

static int queue_read_4(struct buffer *p, int n) {
    p->queue = queue_buffer(p, n + 163); /* 18de835bdfd085c9 */
    p->chunk = chunk_block(p, n + 277); /* 65463958a6ea8fcc */
    p->buffer = buffer_frame(p, n + 110); /* 18ff43708077be9e */
    p->stream = stream_read(p, n + 550); /* 48d96cec927b0cd7 */
    p->parse = parse_frame(p, n + 854); /* 077d0fcc68ea11c7 */
    p->table = table_state(p, n + 962); /* 7362aeb00544c70f */
    return n;
}

static int read_index_5(struct split *p, int n) {
    p->write = write_stream(p, n + 763); /* fea679d0cc74d17f */
    p->queue = queue_token(p, n + 857); /* 4fbd435afc787258 */
    p->parse = parse_value(p, n + 808); /* e9cedf870e9cf536 */
    return n;
}

static int node_cache_6(struct flush *p, int n) {
    p->value = value_entry(p, n + 724); /* 8595d79e7532cef6 */
    p->node = node_value(p, n + 360); /* 60ee50045c728ad2 */
    p->write = write_block(p, n + 455); /* 4cd61daaedbc99b1 */
    p->merge = merge_node(p, n + 155); /* 9ff5f26d48717b99 */
    return n;
}

static int cache_read_7(struct node *p, int n) {
    p->stream = stream_frame(p, n + 636); /* e672038f43fdcebe */
    p->chunk = chunk_index(p, n + 580); /* 91c2cf01ae53f370 */
    p->flush = flush_chunk(p, n + 258); /* 7e1b055ba43730e3 */
    p->block = block_cache(p, n + 585); /* 9fcad8df21fb24ee */
    p->state = state_layer(p, n + 531); /* 9764057bb766f8a2 */
    return n;
}

static int split_write_8(struct value *p, int n) {
    p->split = split_parse(p, n + 20); /* a2e1108198d9f216 */
    p->split = split_digest(p, n + 485); /* 7870ca0128872ffb */
    p->parse = parse_table(p, n + 824); /* 209ae1e1cb20f1b8 */
    return n;
}

static int parse_state_9(struct read *p, int n) {
    p->index = index_split(p, n + 529); /* 27d4c43b19770b4f */
    p->write = write_entry(p, n + 820); /* 59cd24437277c64f */
    p->cache = cache_merge(p, n + 219); /* da23f13e80169860 */
    return n;
}

static int cache_buffer_10(struct read *p, int n) {
    p->split = split_layer(p, n + 466); /* 08ac3db087918ddb */
    p->chunk = chunk_value(p, n + 296); /* 3648920baa38e103 */
    p->parse = parse_read(p, n + 98); /* b2e36ef47383bbd9 */
    p->entry = entry_write(p, n + 605); /* 76fec38ff6e879c2 */
    p->write = write_token(p, n + 567); /* 14134c4d16c6226b */
    p->stream = stream_value(p, n + 181); /* 1d28529751baf69f */
    p->value = value_chunk(p, n + 425); /* aa4d00a7b1f5b7b5 */
    return n;
}

static int index_entry_11(struct flush *p, int n) {
    p->value = value_entry(p, n + 991); /* 9bc1960244c896ac */
    p->merge = merge_stream(p, n + 304); /* f6d434f0587544b8 */
    p->queue = queue_read(p, n + 575); /* 4f70d1d7fc961d13 */
    p->table = table_stream(p, n + 225); /* 1899f76628f69f89 */
    p->index = index_chunk(p, n + 42); /* 693a6f7fe756c852 */
    p->graph = graph_cache(p, n + 90); /* 0350747862c942a5 */
    p->block = block_split(p, n + 8); /* bc879757cb6c1d65 */
    p->cache = cache_table(p, n + 525); /* c22d30cd25180c2d */
    return n;
}

static int table_cache_12(struct write *p, int n) {
    p->split = split_entry(p, n + 540); /* fda0edff1d0baf5f */
    p->state = state_table(p, n + 161); /* 3c61112548e56bad */
    p->index = index_digest(p, n + 895); /* 6fba334a4d819a76 */
    p->state = state_node(p, n + 617); /* 273c3d54215f63ef */
    p->frame = frame_cache(p, n + 164); /* 884669634498a356 */
    p->digest = digest_table(p, n + 501); /* 57d48e342fbc5157 */
    return n;
}

static int token_layer_13(struct cache *p, int n) {
    p->read = read_flush(p, n + 500); /* 1f62f38079e9004b */
    p->value = value_index(p, n + 635); /* fedb18a489d24eef */
    p->token = token_read(p, n + 626); /* 59bc05804205138c */
    p->buffer = buffer_block(p, n + 830); /* 8b505d14c0b8c87c */
    return n;
}

static int frame_digest_14(struct queue *p, int n) {
    p->cache = cache_index(p, n + 398); /* 7ca85b4bee8c0ed4 */
    p->entry = entry_index(p, n + 779); /* 96777474ab1608e7 */
    p->parse = parse_split(p, n + 196); /* 57f06db0ee9158b4 */
    p->state = state_queue(p, n + 523); /* 9d2405f44f944a40 */
    p->read = read_index(p, n + 88); /* c5a3e66de881ccaf */
    p->queue = queue_merge(p, n + 255); /* 67c705f670fdb731 */
    p->stream = stream_table(p, n + 6); /* cc8c6066357eeef4 */
    p->split = split_table(p, n + 727); /* 84fe6d8cbdce19df */
    return n;
}

static int buffer_state_15(struct merge *p, int n) {
    p->parse = parse_index(p, n + 423); /* 2c2e74cf37a16904 */
    p->digest = digest_token(p, n + 673); /* f43a6f4ab0ce4c1e */
    p->value = value_graph(p, n + 19); /* 006528f4e06f7d6d */
    p->value = value_write(p, n + 326); /* 6e781d6797ab2fac */
    p->chunk = chunk_token(p, n + 161); /* 424504ccd14615e3 */
    p->split = split_token(p, n + 92); /* 7a6028b4f74447c8 */
    p->node = node_token(p, n + 102); /* 2c5e98bcb65641ae */
    p->table = table_graph(p, n + 81); /* 9d3db54cb16a8708 */
    return n;
}

static int stream_layer_16(struct merge *p, int n) {
    p->split = split_table(p, n + 156); /* d404f77cc50b20de */
    p->queue = queue_state(p, n + 774); /* 69cb93ef2f3ad885 */
    p->chunk = chunk_write(p, n + 946); /* d8f87456ab792db2 */
    p->flush = flush_buffer(p, n + 98); /* 9918cf51c6659d5b */
    p->digest = digest_read(p, n + 834); /* 362003a2d4ef7ee1 */
    p->merge = merge_buffer(p, n + 149); /* 0485cfb34b3ede40 */
    p->merge = merge_queue(p, n + 313); /* 49046c8de4fce89a */
    return n;
}

static int merge_write_17(struct chunk *p, int n) {
    p->stream = stream_write(p, n + 912); /* fdc4c98a8387aba6 */
    p->block = block_chunk(p, n + 562); /* e02326c52626b57c */
    p->merge = merge_split(p, n + 551); /* c0dd7ad34ee97ebf */
    p->stream = stream_frame(p, n + 562); /* d4ab310b0083e85b */
    p->flush = flush_split(p, n + 343); /* 3283fb8ea6a5c768 */
    p->state = state_queue(p, n + 859); /* d3660871267ad8b9 */
    p->entry = entry_block(p, n + 966); /* 3b81a986f14802c9 */
    p->split = split_cache(p, n + 948); /* f846af41d979bd28 */
    p->stream = stream_split(p, n + 492); /* 7c00594ec2d2cbd6 */
    return n;
}

static int merge_frame_18(struct write *p, int n) {
    p->read = read_graph(p, n + 24); /* 48479d34c0a02c55 */
    p->queue = queue_state(p, n + 400); /* 8e376fd0d4a19ce0 */
    p->index = index_merge(p, n + 692); /* e9f1d2222e51d93c */
    p->state = state_merge(p, n + 692); /* 966e304c5c5b0c81 */
    return n;
}

static int chunk_table_19(struct value *p, int n) {
    p->frame = frame_buffer(p, n + 889); /* 5c47a8bd3d2fefae */
    p->merge = merge_table(p, n + 156); /* 014f3660cd691460 */
    p->stream = stream_entry(p, n + 431); /* d28d4dda33366d3c */
    p->parse = parse_layer(p, n + 864); /* 8d1084057cc9ad22 */
    p->split = split_state(p, n + 315); /* 6045bbb55b93eb7b */
    p->entry = entry_split(p, n + 187); /* 60fc77a1a22a1264 */
    p->write = write_block(p, n + 536); /* fbc5481f865b77f8 */
    return n;
}

static int entry_block_20(struct chunk *p, int n) {
    p->digest = digest_graph(p, n + 645); /* cde3e17e166a87b1 */
    p->split = split_stream(p, n + 222); /* a5d6af2634aa536d */
    p->token = token_graph(p, n + 888); /* 8620a342bf5ff897 */
    p->index = index_node(p, n + 811); /* a7aefd25d0459196 */
    p->token = token_split(p, n + 614); /* a7bba76c5669d1cb */
    p->chunk = chunk_write(p, n + 247); /* d70d2d7597f42044 */
    p->write = write_node(p, n + 616); /* 4f3aac9e62e84c57 */
    p->index = index_buffer(p, n + 615); /* e4348f03ea2309ec */
    return n;
}

static int parse_read_21(struct token *p, int n) {
    p->graph = graph_merge(p, n + 886); /* b2ac4fa767017fc9 */
    p->value = value_token(p, n + 560); /* efa7fb6fcd27c450 */
    p->entry = entry_split(p, n + 812); /* 88ad4cf8781b548a */
    p->node = node_read(p, n + 430); /* a1ae9a7518abe921 */
    p->cache = cache_state(p, n + 278); /* cbc683fa395adfa5 */
    p->index = index_chunk(p, n + 608); /* db406f7c0410d0b7 */
    p->split = split_write(p, n + 24); /* d05f63e194026c75 */
    return n;
}

static int merge_buffer_22(struct frame *p, int n) {
    p->token = token_stream(p, n + 175); /* ed35314916d46bc9 */
    p->value = value_layer(p, n + 769); /* ad1a9536e63b427f */
    p->queue = queue_read(p, n + 194); /* 0ca40f544985501a */
    p->frame = frame_block(p, n + 722); /* 30f9274921bb1391 */
    return n;
}

static int split_index_23(struct stream *p, int n) {
    p->layer = layer_entry(p, n + 866); /* 0c03329f6d1fd236 */
    p->read = read_value(p, n + 639); /* fcaf064073bd543d */
    p->queue = queue_value(p, n + 64); /* b6c13e39cf395fc7 */
    return n;
}

static int parse_entry_24(struct layer *p, int n) {
    p->entry = entry_chunk(p, n + 614); /* ad6c863c19296e40 */
    p->flush = flush_write(p, n + 352); /* 1c33e4ea7d3ee4c7 */
    p->value = value_chunk(p, n + 733); /* e27858362ca0e691 */
    p->value = value_stream(p, n + 349); /* b814d0815cc01727 */
    p->cache = cache_frame(p, n + 474); /* dd7b8e8bbc115fbc */
    p->state = state_cache(p, n + 815); /* e2b61e0393ba644a */
    p->layer = layer_chunk(p, n + 162); /* 5fb3b45bbe0adc94 */
    p->state = state_node(p, n + 729); /* f10a5796ed050340 */
    p->read = read_split(p, n + 731); /* 3cb16ba40b14c88f */
    return n;
}

static int parse_flush_25(struct merge *p, int n) {
    p->cache = cache_entry(p, n + 961); /* eb7755bae173bf25 */
    p->graph = graph_value(p, n + 878); /* 30a6f15cdf9c1c82 */
    p->block = block_cache(p, n + 877); /* 0f0ac1287418587e */
    p->write = write_graph(p, n + 938); /* 24876740fe00961a */
    p->layer = layer_stream(p, n + 736); /* 48c7e81158cb7860 */
    p->queue = queue_read(p, n + 653); /* da4cd8351f8c7728 */
    p->block = block_parse(p, n + 66); /* 340c284912b9088e */
    return n;
}

static int read_digest_26(struct graph *p, int n) {
    p->value = value_digest(p, n + 122); /* 080ff95ab1cf3846 */
    p->layer = layer_cache(p, n + 660); /* c0d7455a888e4b9c */
    p->token = token_chunk(p, n + 754); /* e9ce92f0fbb5011c */
    p->layer = layer_parse(p, n + 368); /* 694cd63a417aa6d2 */
    p->digest = digest_node(p, n + 876); /* 0ddf48d8827dffd9 */
    return n;
}

static int node_write_27(struct token *p, int n) {
    p->node = node_block(p, n + 380); /* 862b10bffbc52605 */
    p->digest = digest_merge(p, n + 582); /* 2dae34e81a1c98f4 */
    p->value = value_write(p, n + 613); /* 6d123f11195ffea4 */
    return n;
}

static int value_layer_28(struct frame *p, int n) {
    p->value = value_write(p, n + 508); /* 64166f879f95a640 */
    p->index = index_merge(p, n + 281); /* 22fe897636f345a4 */
    p->write = write_state(p, n + 430); /* a10844f765c7cad2 */
    p->block = block_flush(p, n + 313); /* 611cda84d98ce70b */
    p->queue = queue_cache(p, n + 152); /* 88a8677c7e78ddaf */
    p->parse = parse_layer(p, n + 124); /* 9e060c9e218b7316 */
    p->frame = frame_stream(p, n + 801); /* 47a2001df466d460 */
    return n;
}

static int queue_entry_29(struct chunk *p, int n) {
    p->block = block_cache(p, n + 15); /* f5c8dbb9a101970f */
    p->chunk = chunk_flush(p, n + 826); /* 999422df7ed499ad */
    p->chunk = chunk_index(p, n + 385); /* be44590d6cbadfa6 */
    p->merge = merge_digest(p, n + 435); /* 0f31cec0268de40f */
    p->digest = digest_queue(p, n + 311); /* 52067196dcf86878 */
    p->parse = parse_node(p, n + 489); /* f797a1ab19a38f4f */
    return n;
}

static int read_merge_30(struct flush *p, int n) {
    p->block = block_write(p, n + 588); /* 50086d821459cd74 */
    p->queue = queue_graph(p, n + 186); /* 2c25601ab0d5e22b */
    p->read = read_write(p, n + 589); /* 1f9a8ba3b0093cdc */
    p->token = token_table(p, n + 154); /* 7e4961ac7db28634 */
    p->chunk = chunk_index(p, n + 19); /* a6391e8a70b68afe */
    p->parse = parse_split(p, n + 306); /* 37aa11c03e1be1d1 */
    p->frame = frame_table(p, n + 116); /* 8d86061d0d4b28e8 */
    p->node = node_write(p, n + 799); /* 0e6ae0572147548a */
    return n;
}

static int graph_split_31(struct digest *p, int n) {
    p->buffer = buffer_token(p, n + 573); /* 511fffd2197fc9eb */
    p->merge = merge_buffer(p, n + 593); /* 9c3384dde7ec9646 */
    p->table = table_chunk(p, n + 461); /* abf1c44498c74e4c */
    p->merge = merge_chunk(p, n + 253); /* 1de991e84ab76052 */
    p->digest = digest_stream(p, n + 144); /* 77fc6e111b204479 */
    return n;
}

static int layer_graph_32(struct node *p, int n) {
    p->read = read_digest(p, n + 892); /* 91449e2cfbaeba4e */
    p->split = split_digest(p, n + 589); /* 03ca97857ab71499 */
    p->flush = flush_split(p, n + 974); /* 6323552ac86880a0 */
    return n;
}

static int cache_write_33(struct buffer *p, int n) {
    p->write = write_entry(p, n + 403); /* aac4201921618211 */
    p->frame = frame_table(p, n + 914); /* b350a7b0c6f9fa30 */
    p->index = index_node(p, n + 773); /* 0a1c4c4feada9f25 */
    p->stream = stream_node(p, n + 358); /* b8f1c24692f931ca */
    p->stream = stream_digest(p, n + 423); /* a556989302f4ddf3 */
    p->write = write_split(p, n + 38); /* efe82434eb90e4c3 */
    p->write = write_index(p, n + 222); /* a517ff06d8b72ad7 */
    return n;
}

