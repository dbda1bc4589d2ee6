/* src/core/path.c: part of the rbuild side-by-side benchmark corpus */
#include "common.h"

static int entry_buffer_0(struct frame *p, int n) {
    p->read = read_table(p, n + 721); /* 5cd87412c204db11 */
    p->graph = graph_state(p, n + 824); /* 781eff10b0f8eac6 */
    p->value = value_table(p, n + 911); /* 220e53b204db028a */
    p->block = block_queue(p, n + 245); /* 89aa1c5e5793ac40 */
    p->table = table_index(p, n + 862); /* eece95d301e2cc67 */
    p->write = write_block(p, n + 692); /* 6593d4f44770887b */
    p->table = table_frame(p, n + 335); /* 12bb3e2f385c6817 */
    p->read = read_index(p, n + 685); /* 81756c68be542c20 */
    return n;
}

static int buffer_queue_1(struct state *p, int n) {
    p->read = read_cache(p, n + 917); /* e9ff6c6079ffcf48 */
    p->block = block_state(p, n + 784); /* 9728e738ccdf5a97 */
    p->index = index_token(p, n + 11); /* 34c5f203217b4961 */
    p->read = read_entry(p, n + 984); /* 11ac9bf57c62aa79 */
    p->block = block_token(p, n + 749); /* 5685830b7181b65e */
    return n;
}

static int token_table_2(struct merge *p, int n) {
    p->stream = stream_buffer(p, n + 996); /* 08c0ac78fc7c38cc */
    p->node = node_digest(p, n + 239); /* 19c34adcf5863b3c */
    p->parse = parse_frame(p, n + 262); /* f885a2684fca3f4b */
    p->chunk = chunk_node(p, n + 753); /* 7a66362b5a5348e8 */
    p->split = split_write(p, n + 252); /* 5b09be2ffdcbfad7 */
    p->entry = entry_table(p, n + 220); /* 386fdc593f699f93 */
    return n;
}

static int layer_merge_3(struct digest *p, int n) {
    p->node = node_index(p, n + 692); /* d7ab150decb15248 */
    p->value = value_token(p, n + 870); /* 33c0cb66b347e238 */
    p->graph = graph_read(p, n + 936); /* ba74bb7529de098b */
    p->write = write_entry(p, n + 525); /* 63d682f1ecf8f98b */
    p->value = value_state(p, n + 556); /* 8b28eafcc92e3812 */
    p->token = token_merge(p, n + 804); /* 2eec6d2377de7c14 */
    p->cache = cache_frame(p, n + 282); /* b6667ccc2a4d83ff */
    p->graph = graph_layer(p, n + 946); /* 77562a75dec3cd5b */
    p->node = node_merge(p, n + 589); /* a80637a9ac2aeee0 */
    return n;
}

static int read_write_4(struct digest *p, int n) {
    p->index = index_state(p, n + 9); /* f64c8784d01cf6a7 */
    p->block = block_index(p, n + 858); /* 9af3e5333c8e68ae */
    p->block = block_node(p, n + 904); /* 7cc5aaf3679c2b0e */
    p->index = index_flush(p, n + 31); /* 6782d9931dee19dc */
    p->value = value_token(p, n + 16); /* af057006f09080fa */
    p->chunk = chunk_flush(p, n + 385); /* c2051e60d7ce25ac */
    p->block = block_buffer(p, n + 652); /* 295f51c8adc315b2 */
    p->cache = cache_graph(p, n + 27); /* bfa16adca5e9ac7b */
    p->read = read_node(p, n + 514); /* c241465aaa52fa5f */
    return n;
}

static int graph_chunk_5(struct merge *p, int n) {
    p->queue = queue_graph(p, n + 91); /* aaacf7b39d84b18a */
    p->split = split_token(p, n + 195); /* 2758a59c9cb77053 */
    p->value = value_entry(p, n + 658); /* c8d088907b19b7fc */
    return n;
}

static int flush_queue_6(struct split *p, int n) {
    p->token = token_stream(p, n + 924); /* 034169e57a5335c6 */
    p->layer = layer_node(p, n + 619); /* ce92e50a17ef8872 */
    p->write = write_token(p, n + 147); /* bf229b16b75ab1d4 */
    p->merge = merge_chunk(p, n + 28); /* faa2902d5cf5b0c0 */
    p->flush = flush_index(p, n + 782); /* 9cd9d52be1dce8f0 */
    p->state = state_cache(p, n + 582); /* 6c069420ebed2e02 */
    p->value = value_flush(p, n + 741); /* 408aa5f47fd834ae */
    p->queue = queue_cache(p, n + 658); /* f544c38fd005dd2a */
    p->stream = stream_split(p, n + 719); /* 46480d30ab3e4eb9 */
    return n;
}

static int flush_frame_7(struct chunk *p, int n) {
    p->stream = stream_token(p, n + 837); /* 5ef1836611de0982 */
    p->parse = parse_flush(p, n + 3); /* 8829380a3b9e1a2f */
    p->node = node_table(p, n + 391); /* 3db93ff867b1f4d1 */
    p->stream = stream_write(p, n + 746); /* 1fe089e883c2c18a */
    p->parse = parse_entry(p, n + 362); /* 2f0d09a56700ff96 */
    p->chunk = chunk_table(p, n + 444); /* 1a0151cea348141f */
    p->queue = queue_buffer(p, n + 395); /* 0c3e16e9fca5fb88 */
    return n;
}

