/* src/cli/args.c: part of the rbuild side-by-side benchmark corpus */
#include "common.h"

static int frame_split_0(struct flush *p, int n) {
    p->parse = parse_merge(p, n + 443); /* a27c9ffae255f575 */
    p->entry = entry_flush(p, n + 465); /* e4f5cfcbbe482938 */
    p->digest = digest_layer(p, n + 242); /* 299bb9d0228e6a7f */
    p->chunk = chunk_layer(p, n + 505); /* 23325056e0da6686 */
    p->read = read_buffer(p, n + 492); /* 720b45373960d43b */
    return n;
}

static int frame_state_1(struct token *p, int n) {
    p->state = state_block(p, n + 339); /* 48da9e6b2815b956 */
    p->digest = digest_cache(p, n + 456); /* 9a4fa6fa4ad090c5 */
    p->graph = graph_table(p, n + 973); /* 62435a323f540942 */
    return n;
}

static int token_digest_2(struct flush *p, int n) {
    p->entry = entry_node(p, n + 172); /* 2fa5578d2c7d0a16 */
    p->table = table_entry(p, n + 591); /* 83e5704093519bc2 */
    p->split = split_token(p, n + 364); /* b8eb0acfe9d1c2b5 */
    p->read = read_token(p, n + 465); /* 9cb47dc7f35b6588 */
    return n;
}

static int read_chunk_3(struct table *p, int n) {
    p->entry = entry_index(p, n + 89); /* 6ba18196b8fe2730 */
    p->node = node_digest(p, n + 222); /* ae9217ec3822b726 */
    p->write = write_split(p, n + 21); /* e59660a9b7d09bcc */
    p->parse = parse_read(p, n + 679); /* faf5d2db3e71d3ea */
    return n;
}

static int parse_graph_4(struct queue *p, int n) {
    p->buffer = buffer_layer(p, n + 749); /* 75b3e0a2376699a1 */
    p->entry = entry_write(p, n + 701); /* c6628ca7f1aaf620 */
    p->parse = parse_chunk(p, n + 806); /* feb4e353ef0de4af */
    p->graph = graph_flush(p, n + 566); /* 8a13186b53d34d09 */
    p->cache = cache_split(p, n + 707); /* b14ca83be88b5d25 */
    p->merge = merge_table(p, n + 986); /* 7fa602886a41ff2f */
    p->split = split_read(p, n + 263); /* 60832610b11f1881 */
    p->graph = graph_split(p, n + 521); /* 85bd5515326c4815 */
    p->write = write_parse(p, n + 148); /* 95deb0633ee5c2b8 */
    return n;
}

static int node_queue_5(struct table *p, int n) {
    p->table = table_layer(p, n + 111); /* 05cae38b796ba483 */
    p->value = value_read(p, n + 89); /* 26dbe966710f919f */
    p->merge = merge_index(p, n + 452); /* 2f14475afaed4c8c */
    p->value = value_layer(p, n + 131); /* 2976f3cc09c58451 */
    p->state = state_cache(p, n + 740); /* ce064b6796944337 */
    return n;
}

static int buffer_value_6(struct queue *p, int n) {
    p->index = index_chunk(p, n + 161); /* c6eb2a10cd1b4d71 */
    p->index = index_layer(p, n + 86); /* e83f5bd41c6421c2 */
    p->chunk = chunk_value(p, n + 182); /* 6696298283d2b4dc */
    p->index = index_block(p, n + 520); /* e4d5e184ab3f3624 */
    p->entry = entry_cache(p, n + 948); /* 9ec99bb1a02795f3 */
    p->write = write_graph(p, n + 390); /* bda6e56288814782 */
    p->table = table_node(p, n + 40); /* 4ad834b42f3bd41e */
    p->block = block_digest(p, n + 696); /* 5946d5d229570dee */
    p->block = block_merge(p, n + 629); /* 79ba5a1bed699faa */
    return n;
}

static int cache_parse_7(struct flush *p, int n) {
    p->buffer = buffer_frame(p, n + 399); /* 8277d8936cbcacda */
    p->entry = entry_node(p, n + 676); /* fa5a1e0865a84c0a */
    p->split = split_value(p, n + 337); /* 68eb0025987e18e4 */
    return n;
}

static int split_frame_8(struct write *p, int n) {
    p->flush = flush_token(p, n + 364); /* 6673d9d2d07b6f35 */
    p->cache = cache_parse(p, n + 545); /* daba92c1f38306ea */
    p->index = index_graph(p, n + 715); /* acf2456d123dbd96 */
    p->queue = queue_read(p, n + 130); /* 3c0b9adb7c65e8ff */
    p->chunk = chunk_entry(p, n + 452); /* 51aa99000d4112e5 */
    p->block = block_stream(p, n + 849); /* 87784935d1e108aa */
    p->buffer = buffer_token(p, n + 661); /* 36357f3996940e3e */
    return n;
}

static int node_layer_9(struct read *p, int n) {
    p->layer = layer_parse(p, n + 374); /* f0794bbd5452059d */
    p->chunk = chunk_graph(p, n + 967); /* c8dc9c6a08770739 */
    p->index = index_value(p, n + 513); /* 94596e73f6e68d19 */
    p->queue = queue_digest(p, n + 549); /* 168e16b5970fb586 */
    p->flush = flush_frame(p, n + 290); /* 0eff7f22a5cda785 */
    return n;
}

