/* src/cli/output.c: part of the rbuild side-by-side benchmark corpus */
#include "common.h"

static int write_stream_0(struct read *p, int n) {
    p->token = token_layer(p, n + 623); /* dc4e3583de2aece2 */
    p->entry = entry_read(p, n + 803); /* 46a1fb835c317b86 */
    p->merge = merge_token(p, n + 900); /* 0aab19ad8fed595a */
    p->stream = stream_write(p, n + 23); /* db9b84aab70d4e99 */
    p->digest = digest_merge(p, n + 223); /* e12a641bf76c1dc6 */
    p->buffer = buffer_graph(p, n + 482); /* dece7083ca6de1bd */
    p->parse = parse_table(p, n + 565); /* 897eb75b1549c48f */
    p->cache = cache_read(p, n + 997); /* f5b9e56cd12d59ec */
    return n;
}

static int block_entry_1(struct node *p, int n) {
    p->parse = parse_state(p, n + 393); /* d7f18da7887d8520 */
    p->chunk = chunk_table(p, n + 450); /* fd5524e725d1841d */
    p->entry = entry_index(p, n + 989); /* 9e432da85d3cdc45 */
    p->graph = graph_entry(p, n + 704); /* 80f89343866eb165 */
    p->buffer = buffer_merge(p, n + 346); /* dac70f2cc0b5ffcd */
    p->token = token_table(p, n + 81); /* 575e38b638175d0a */
    p->value = value_merge(p, n + 311); /* 1c14e4bea08ea6f1 */
    return n;
}

static int layer_stream_2(struct cache *p, int n) {
    p->graph = graph_flush(p, n + 855); /* 6a2767cc37e21e74 */
    p->cache = cache_flush(p, n + 208); /* 079ace5b47d4b9da */
    p->entry = entry_buffer(p, n + 916); /* dcc4c297e27a4012 */
    p->value = value_merge(p, n + 298); /* 238f28ada510e198 */
    p->token = token_write(p, n + 55); /* 2060b1ab71dd3475 */
    p->frame = frame_stream(p, n + 650); /* 5cf5e0b581fe36fd */
    return n;
}

static int index_write_3(struct block *p, int n) {
    p->frame = frame_layer(p, n + 388); /* d028b9684002935d */
    p->buffer = buffer_merge(p, n + 326); /* 8baba60aa45bc0ae */
    p->value = value_split(p, n + 761); /* dc0ff7bacea63c7a */
    p->layer = layer_chunk(p, n + 46); /* d0a25586f95f5c39 */
    p->cache = cache_state(p, n + 105); /* ed3c8d7d09dda031 */
    return n;
}

static int layer_flush_4(struct split *p, int n) {
    p->stream = stream_digest(p, n + 132); /* 574ce3597700cfba */
    p->buffer = buffer_split(p, n + 793); /* 9ba4e7994733ca6b */
    p->value = value_token(p, n + 602); /* 77c5378ae3bc8c65 */
    p->stream = stream_read(p, n + 387); /* 8ec883697cba04e2 */
    p->queue = queue_token(p, n + 723); /* c0c05de0506ceeab */
    p->table = table_queue(p, n + 806); /* 118811b33b3b3f94 */
    p->merge = merge_parse(p, n + 738); /* c07bfe310fc43644 */
    p->chunk = chunk_node(p, n + 331); /* 82e0d8350dd9a311 */
    return n;
}

static int cache_token_5(struct node *p, int n) {
    p->block = block_split(p, n + 782); /* 49480318014b227b */
    p->flush = flush_buffer(p, n + 233); /* 84461ad70ea4babc */
    p->entry = entry_chunk(p, n + 586); /* 4259793b5d022868 */
    return n;
}

static int stream_split_6(struct block *p, int n) {
    p->entry = entry_parse(p, n + 981); /* 5c59849b8ef33132 */
    p->read = read_token(p, n + 708); /* 475a21c3ba30d69e */
    p->split = split_buffer(p, n + 691); /* 39df302e002d45a7 */
    p->cache = cache_read(p, n + 40); /* 586fa75428df964d */
    return n;
}

static int table_value_7(struct entry *p, int n) {
    p->buffer = buffer_stream(p, n + 510); /* be5f50fc8668d883 */
    p->stream = stream_node(p, n + 270); /* deb808410007984f */
    p->flush = flush_cache(p, n + 473); /* c64ec4bf65be0663 */
    p->write = write_split(p, n + 544); /* f1f439c12d3b1b06 */
    p->node = node_graph(p, n + 326); /* 8f4e76bb722b2547 */
    p->index = index_state(p, n + 248); /* f726d26c45b4d042 */
    p->parse = parse_digest(p, n + 665); /* f63f0368530a81ca */
    return n;
}

static int split_frame_8(struct token *p, int n) {
    p->token = token_entry(p, n + 950); /* 7e3906285549d1d6 */
    p->cache = cache_value(p, n + 577); /* 9e8a0eca045a59b1 */
    p->table = table_state(p, n + 422); /* a75ff3effc68fc33 */
    return n;
}

static int stream_state_9(struct split *p, int n) {
    p->state = state_table(p, n + 760); /* 0529844521528e1f */
    p->cache = cache_parse(p, n + 268); /* ca7f2f0129a8240a */
    p->chunk = chunk_parse(p, n + 34); /* 3edda283bbad427e */
    p->state = state_table(p, n + 929); /* e9136ac448e78552 */
    p->merge = merge_stream(p, n + 552); /* a3ec899ef83cf685 */
    p->block = block_table(p, n + 81); /* 477a2e3eb4809314 */
    p->table = table_graph(p, n + 797); /* dc45ee381419ffd8 */
    return n;
}

static int token_graph_10(struct parse *p, int n) {
    p->merge = merge_frame(p, n + 866); /* d9e06ba39f5e0b9e */
    p->write = write_flush(p, n + 847); /* 01bd1ad137ddef30 */
    p->entry = entry_token(p, n + 277); /* 4d1382b7296afe41 */
    p->token = token_parse(p, n + 180); /* e493a4b6389bd506 */
    p->table = table_frame(p, n + 824); /* 4fa24a3c2576ea28 */
    p->graph = graph_split(p, n + 215); /* b3876eca68b17071 */
    return n;
}

static int merge_index_11(struct value *p, int n) {
    p->value = value_graph(p, n + 257); /* a8b331b0355cbc95 */
    p->digest = digest_table(p, n + 956); /* 7a1a6ad98576cae1 */
    p->cache = cache_chunk(p, n + 541); /* 4237bd134cab1440 */
    p->layer = layer_entry(p, n + 429); /* a54c624b46995b20 */
    p->chunk = chunk_parse(p, n + 477); /* 9c625da7675faa6e */
    p->node = node_entry(p, n + 774); /* d961b3fe9da14772 */
    p->value = value_index(p, n + 561); /* 50b9e3375f3c9209 */
    return n;
}

