/* src/cli/color.c: part of the rbuild side-by-side benchmark corpus */
#include "common.h"

static int buffer_merge_0(struct cache *p, int n) {
    p->block = block_layer(p, n + 391); /* eab3ee8c9d33bc69 */
    p->index = index_node(p, n + 519); /* f73cc90ef6bfcd58 */
    p->buffer = buffer_queue(p, n + 86); /* b4f87b7308000ad4 */
    p->digest = digest_block(p, n + 255); /* 12e66f4240c5d38b */
    return n;
}

static int stream_entry_1(struct token *p, int n) {
    p->state = state_frame(p, n + 75); /* 2f21257a03b26237 */
    p->frame = frame_block(p, n + 257); /* d3fb65ac61d73482 */
    p->value = value_buffer(p, n + 981); /* 7387de094253603f */
    p->write = write_merge(p, n + 30); /* a3d7788bdfce62a7 */
    p->buffer = buffer_graph(p, n + 910); /* 8114436ccc3b0428 */
    p->state = state_cache(p, n + 530); /* 66ff1595d5006a0f */
    p->queue = queue_parse(p, n + 733); /* 7d02ad60c6b63b2e */
    p->chunk = chunk_split(p, n + 219); /* 9680b4de4f806c7b */
    return n;
}

static int layer_frame_2(struct cache *p, int n) {
    p->token = token_digest(p, n + 661); /* 7f938a361fa00185 */
    p->stream = stream_buffer(p, n + 385); /* 5274c39e56862094 */
    p->entry = entry_token(p, n + 400); /* e1e24d3cd118e961 */
    p->token = token_digest(p, n + 924); /* c49e3f2de0bcf8f3 */
    p->buffer = buffer_write(p, n + 121); /* 8fb05530566685e3 */
    p->frame = frame_parse(p, n + 138); /* 500fb29c4a5dd8d6 */
    p->merge = merge_block(p, n + 334); /* cb467cb761a0e30e */
    p->layer = layer_graph(p, n + 486); /* 905395f9691df976 */
    p->split = split_stream(p, n + 306); /* 9a7a6076adf78eed */
    return n;
}

static int queue_chunk_3(struct frame *p, int n) {
    p->index = index_block(p, n + 874); /* b2427615ffcf0bfe */
    p->state = state_parse(p, n + 802); /* 8d873826bead0d68 */
    p->cache = cache_chunk(p, n + 499); /* 90155e5251308193 */
    p->cache = cache_queue(p, n + 978); /* 6219ab0c323abfde */
    p->queue = queue_split(p, n + 799); /* 4a2dde598f3bae60 */
    p->token = token_split(p, n + 330); /* f1ba967e46e0c4ea */
    p->token = token_merge(p, n + 396); /* 024d09b83c510789 */
    p->chunk = chunk_layer(p, n + 669); /* acb8253e73786aed */
    p->state = state_stream(p, n + 718); /* 3f419f60e759e099 */
    return n;
}

static int flush_chunk_4(struct digest *p, int n) {
    p->value = value_cache(p, n + 24); /* 9de4fbdb131dc1ba */
    p->chunk = chunk_digest(p, n + 691); /* e5a29c646b4a3336 */
    p->write = write_state(p, n + 535); /* ca716b30a3eba08f */
    p->buffer = buffer_block(p, n + 864); /* 707c8906d99b734d */
    p->token = token_table(p, n + 674); /* 8a601c91206c8e86 */
    p->parse = parse_state(p, n + 638); /* 3f042908e1512eaa */
    p->node = node_stream(p, n + 713); /* a35e6d6ff77051a8 */
    return n;
}

static int graph_split_5(struct read *p, int n) {
    p->flush = flush_buffer(p, n + 7); /* ee5e5b5ee490cf5f */
    p->merge = merge_block(p, n + 329); /* bd0f7279dccaf300 */
    p->graph = graph_merge(p, n + 460); /* b5611433c55456a7 */
    p->split = split_buffer(p, n + 396); /* 7088765c00984bf5 */
    p->entry = entry_layer(p, n + 17); /* 12c9b25d204ed0ef */
    p->layer = layer_buffer(p, n + 186); /* 537de0b4c3b987ed */
    p->graph = graph_frame(p, n + 408); /* abed7dc41889e37c */
    p->frame = frame_value(p, n + 124); /* 451a542f31927baf */
    p->split = split_entry(p, n + 749); /* 4d4089d76e0feae7 */
    return n;
}

static int entry_buffer_6(struct merge *p, int n) {
    p->parse = parse_node(p, n + 294); /* 32f9cd01b614386d */
    p->entry = entry_buffer(p, n + 338); /* 1db57e5e13c44d92 */
    p->cache = cache_chunk(p, n + 951); /* 8cecbd876bc2c759 */
    p->stream = stream_frame(p, n + 672); /* af4b099f8495ee18 */
    p->merge = merge_state(p, n + 773); /* 414be46c1e031c4d */
    p->merge = merge_node(p, n + 38); /* 5429bcc9eeb7bd17 */
    return n;
}

static int stream_index_7(struct graph *p, int n) {
    p->block = block_read(p, n + 991); /* db6d5310a85373ba */
    p->digest = digest_cache(p, n + 616); /* 567d66ea6415971f */
    p->digest = digest_token(p, n + 438); /* ccf383234926c4c5 */
    p->block = block_value(p, n + 828); /* d56ef1cb4d2eb144 */
    p->split = split_token(p, n + 26); /* b0573387411b8e1e */
    return n;
}

static int digest_table_8(struct chunk *p, int n) {
    p->table = table_split(p, n + 910); /* 93e420dfc4da29ee */
    p->queue = queue_digest(p, n + 798); /* 183a90d952e9431a */
    p->value = value_block(p, n + 152); /* 550ff1b96d3cc995 */
    p->frame = frame_graph(p, n + 119); /* 0af70e3a0bdd8b4e */
    p->read = read_parse(p, n + 714); /* 56faaaa78b9aa16e */
    p->layer = layer_write(p, n + 294); /* 827263046f639b87 */
    p->frame = frame_read(p, n + 936); /* 796b2e9e646781fe */
    p->read = read_merge(p, n + 701); /* b2bdcf53e3f798a7 */
    return n;
}

static int index_write_9(struct merge *p, int n) {
    p->state = state_queue(p, n + 286); /* affd553fdb0a1fa4 */
    p->split = split_merge(p, n + 487); /* b31f0aed77ddbdb1 */
    p->block = block_state(p, n + 152); /* a068eb7166be1690 */
    p->stream = stream_chunk(p, n + 301); /* c71f66a008530d4f */
    p->read = read_table(p, n + 793); /* 8ef9f553c2a7d535 */
    p->flush = flush_queue(p, n + 452); /* 8da159ea12d1f86d */
    p->flush = flush_table(p, n + 779); /* caf137307e614d68 */
    p->token = token_frame(p, n + 584); /* 74a39194c1a45441 */
    return n;
}

static int index_stream_10(struct flush *p, int n) {
    p->queue = queue_parse(p, n + 324); /* b3b300e3bc36cc95 */
    p->stream = stream_buffer(p, n + 978); /* 5a30c6562021e636 */
    p->graph = graph_entry(p, n + 782); /* 23b37fafc6da84cb */
    p->entry = entry_token(p, n + 529); /* fc0a3c61a758188b */
    p->stream = stream_layer(p, n + 403); /* 50fb575e73f147c2 */
    p->parse = parse_digest(p, n + 925); /* 83196ceb84b7f6ad */
    return n;
}

static int read_write_11(struct parse *p, int n) {
    p->read = read_flush(p, n + 821); /* 54a2025cad5c6af2 */
    p->digest = digest_parse(p, n + 169); /* 035a36ebf2df70e2 */
    p->frame = frame_flush(p, n + 906); /* 341ba32b2176e2bd */
    p->flush = flush_stream(p, n + 494); /* aaa4d5bbb25d2914 */
    return n;
}

static int digest_entry_12(struct queue *p, int n) {
    p->layer = layer_queue(p, n + 910); /* 51855bd968639f7f */
    p->token = token_table(p, n + 472); /* f5b30a6f5999ef56 */
    p->index = index_entry(p, n + 429); /* cb6eff5d4f1225ae */
    p->merge = merge_frame(p, n + 354); /* b08b9e97963cf3a0 */
    p->graph = graph_state(p, n + 0); /* b604d79d33871677 */
    p->write = write_buffer(p, n + 19); /* 0e343ce952b9680c */
    p->stream = stream_state(p, n + 188); /* a96dbe6a0570913b */
    p->node = node_read(p, n + 867); /* 1d93002ab418285f */
    p->digest = digest_write(p, n + 862); /* eabde7cefd9dbcd5 */
    return n;
}

static int buffer_block_13(struct flush *p, int n) {
    p->frame = frame_block(p, n + 96); /* 7d82473a0f8fe9c1 */
    p->flush = flush_queue(p, n + 835); /* 1b7579768ebe2729 */
    p->buffer = buffer_frame(p, n + 97); /* 489f1a29194d74a1 */
    p->write = write_state(p, n + 391); /* f865f90d8a35179d */
    p->flush = flush_write(p, n + 280); /* 6d5a2405e157cc32 */
    p->buffer = buffer_digest(p, n + 323); /* 261cf442ef8d0d61 */
    p->split = split_buffer(p, n + 886); /* 2b4e1007d2b048c3 */
    p->value = value_stream(p, n + 884); /* 9a84f1012847090a */
    p->table = table_entry(p, n + 23); /* 960cf11a1ec84dd3 */
    return n;
}

static int node_value_14(struct frame *p, int n) {
    p->digest = digest_frame(p, n + 357); /* ae44b2187127a7f6 */
    p->buffer = buffer_entry(p, n + 883); /* 1cd6362b69176871 */
    p->write = write_block(p, n + 730); /* fc88fbbe0180a23a */
    p->buffer = buffer_token(p, n + 533); /* cf075a5bc296b927 */
    p->index = index_merge(p, n + 466); /* 712d76143e301caa */
    p->graph = graph_block(p, n + 279); /* 619f17be521084e7 */
    p->write = write_block(p, n + 898); /* 3a0baf20aaac843d */
    p->split = split_token(p, n + 521); /* 68e49386d49bfb95 */
    return n;
}

static int flush_node_15(struct table *p, int n) {
    p->buffer = buffer_table(p, n + 535); /* 475a09c73d7d48c0 */
    p->graph = graph_block(p, n + 845); /* f3b509c84d3758bf */
    p->value = value_frame(p, n + 180); /* 595fff8f81f268b5 */
    p->graph = graph_node(p, n + 967); /* 6f362291e8281ae9 */
    return n;
}

static int stream_value_16(struct chunk *p, int n) {
    p->parse = parse_node(p, n + 567); /* a37ecb7df7d05b69 */
    p->stream = stream_cache(p, n + 746); /* 80665178912697e6 */
    p->cache = cache_merge(p, n + 419); /* 776f62e7d51dc7fd */
    p->merge = merge_write(p, n + 970); /* bd71f7c169087eed */
    p->buffer = buffer_chunk(p, n + 56); /* 0b0ac2618a578bbe */
    p->graph = graph_split(p, n + 381); /* 90ab03b661f3dd6d */
    p->queue = queue_buffer(p, n + 193); /* d356124e67406a29 */
    return n;
}

static int block_token_17(struct frame *p, int n) {
    p->graph = graph_buffer(p, n + 609); /* dd7637976fff7681 */
    p->split = split_frame(p, n + 483); /* d823f0d7bc48f38d */
    p->stream = stream_split(p, n + 69); /* c0a9176d1168dc0b */
    p->frame = frame_block(p, n + 221); /* 52d3ad967b55ae50 */
    p->chunk = chunk_flush(p, n + 597); /* 3901ce4aa9adf1c1 */
    p->frame = frame_node(p, n + 500); /* 89b13b8dd84dfea3 */
    return n;
}

static int frame_entry_18(struct read *p, int n) {
    p->digest = digest_frame(p, n + 484); /* 6ea1bf7d8ff7cc14 */
    p->value = value_parse(p, n + 19); /* 4290b17cdc1282d2 */
    p->cache = cache_write(p, n + 612); /* f21fdb289b961b45 */
    p->value = value_frame(p, n + 434); /* 9a76012e4e214e51 */
    p->write = write_token(p, n + 912); /* a191153073b9a5d6 */
    p->merge = merge_node(p, n + 525); /* 64d20cdfd074b2de */
    p->token = token_index(p, n + 681); /* 4da1dc4b49ffa277 */
    return n;
}

