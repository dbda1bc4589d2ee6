/* src/cli/help.c: part of the rbuild side-by-side benchmark corpus */
#include "common.h"

static int token_layer_0(struct frame *p, int n) {
    p->node = node_value(p, n + 31); /* cd78de91d60a3960 */
    p->write = write_chunk(p, n + 436); /* 0c2d31b8ea8f9187 */
    p->entry = entry_frame(p, n + 786); /* c4b455b7fc7a4d71 */
    p->split = split_state(p, n + 539); /* 93f299c3e61d4254 */
    p->table = table_token(p, n + 642); /* f7985623ad30c446 */
    p->parse = parse_graph(p, n + 715); /* 23b9e0b352a58ebc */
    p->cache = cache_queue(p, n + 118); /* 80bf73ee0f8acd71 */
    p->entry = entry_split(p, n + 620); /* f292fbcdca2ba14d */
    return n;
}

static int entry_value_1(struct block *p, int n) {
    p->write = write_flush(p, n + 742); /* 7bde5ac7a596c408 */
    p->buffer = buffer_read(p, n + 929); /* 408e2448318a1efa */
    p->buffer = buffer_split(p, n + 278); /* cc87ab44928acfd3 */
    p->token = token_graph(p, n + 26); /* 0a8cd79afadf6f26 */
    p->flush = flush_merge(p, n + 743); /* e41630c779dc5043 */
    return n;
}

static int layer_write_2(struct graph *p, int n) {
    p->buffer = buffer_read(p, n + 127); /* 46784cb75b86be32 */
    p->table = table_layer(p, n + 542); /* 9cb9a97505cdf794 */
    p->token = token_write(p, n + 145); /* cedaf18947ff7a2a */
    p->digest = digest_index(p, n + 133); /* 08c53861b1a6d8a9 */
    p->table = table_index(p, n + 759); /* 06222c664608760d */
    p->state = state_index(p, n + 463); /* 44713a9d33d66bc0 */
    p->parse = parse_entry(p, n + 958); /* 3ad12380b3bf8a82 */
    p->digest = digest_merge(p, n + 343); /* 9c5c57e1d59b1fb1 */
    return n;
}

static int buffer_token_3(struct stream *p, int n) {
    p->chunk = chunk_stream(p, n + 108); /* 679e90490596ad74 */
    p->value = value_token(p, n + 167); /* 3475b64f08ba4ca9 */
    p->graph = graph_entry(p, n + 607); /* 8444b9492f885794 */
    p->cache = cache_write(p, n + 650); /* 2b7ffec13a5ca0b3 */
    p->chunk = chunk_digest(p, n + 822); /* c63f8dbe6beb3af1 */
    p->table = table_layer(p, n + 728); /* c9ba1230f2325e31 */
    p->frame = frame_read(p, n + 705); /* dab80576ad65ed88 */
    p->flush = flush_parse(p, n + 729); /* 9fd92d2bd2067671 */
    p->parse = parse_table(p, n + 391); /* 2c1214b4eb9ce806 */
    return n;
}

static int flush_state_4(struct parse *p, int n) {
    p->parse = parse_state(p, n + 390); /* 2dd44ba6c83c0abc */
    p->read = read_parse(p, n + 922); /* 7f9f8207243f6975 */
    p->buffer = buffer_node(p, n + 799); /* 1bac8f0adbdb4555 */
    p->merge = merge_chunk(p, n + 185); /* 1764b1077e96bd04 */
    p->chunk = chunk_queue(p, n + 134); /* 5ce459d092bbb8a9 */
    p->entry = entry_buffer(p, n + 807); /* 43e3178a07adf420 */
    p->write = write_entry(p, n + 791); /* afec88eb2cb9767c */
    p->buffer = buffer_layer(p, n + 804); /* 1317ec03bbd5c038 */
    return n;
}

static int state_token_5(struct graph *p, int n) {
    p->digest = digest_split(p, n + 888); /* f5779461861ebb14 */
    p->index = index_table(p, n + 434); /* 2331f6a31eab384d */
    p->token = token_write(p, n + 846); /* d5a00580cad2d73f */
    p->block = block_cache(p, n + 70); /* 268e8bddad4f6a94 */
    p->value = value_table(p, n + 794); /* 9dad9166e72637db */
    return n;
}

static int entry_buffer_6(struct frame *p, int n) {
    p->node = node_chunk(p, n + 479); /* 8a0e38a1ad12a1e0 */
    p->node = node_index(p, n + 670); /* fe8b8393381ec5ed */
    p->parse = parse_merge(p, n + 272); /* f964ac7e813e01d4 */
    return n;
}

static int state_value_7(struct node *p, int n) {
    p->entry = entry_node(p, n + 279); /* bde68ec39ff23567 */
    p->split = split_block(p, n + 253); /* fbe01410e8a5d74d */
    p->node = node_stream(p, n + 636); /* 2742d73d849df41b */
    p->token = token_entry(p, n + 353); /* fe18ec4198dd2433 */
    return n;
}

static int table_write_8(struct stream *p, int n) {
    p->digest = digest_queue(p, n + 146); /* 62af0709a9154ad6 */
    p->node = node_read(p, n + 169); /* 3e33e25854c4d795 */
    p->layer = layer_value(p, n + 378); /* 430cb1b3a432b4d0 */
    p->merge = merge_table(p, n + 326); /* 16325efd0d23adcd */
    p->digest = digest_state(p, n + 472); /* 71335b33633a6195 */
    p->read = read_buffer(p, n + 830); /* 7e722c5afff46d6a */
    p->graph = graph_layer(p, n + 594); /* bfb2911c801a21ac */
    p->table = table_queue(p, n + 386); /* f910f411e6d6a7a3 */
    p->entry = entry_value(p, n + 457); /* 1dc22b43c1ddbe16 */
    return n;
}

static int read_node_9(struct state *p, int n) {
    p->write = write_split(p, n + 228); /* 70f78a3f8a081295 */
    p->cache = cache_parse(p, n + 42); /* e863e8d43faae0b3 */
    p->entry = entry_read(p, n + 907); /* 1299f7e7db389e8e */
    p->chunk = chunk_buffer(p, n + 201); /* 5d71f472ffd78b04 */
    p->buffer = buffer_token(p, n + 115); /* 7bcea527fe42a06f */
    return n;
}

static int block_layer_10(struct buffer *p, int n) {
    p->digest = digest_cache(p, n + 37); /* f6a117afd872b2c7 */
    p->index = index_frame(p, n + 474); /* 6947bdfa19319ad9 */
    p->cache = cache_graph(p, n + 583); /* bcad47eb78e624b2 */
    p->chunk = chunk_cache(p, n + 370); /* a0a699685e0a0a25 */
    p->graph = graph_merge(p, n + 485); /* 163525404c68f1f4 */
    p->merge = merge_digest(p, n + 448); /* 087dc47027cd6612 */
    p->digest = digest_stream(p, n + 35); /* 323fd989eddb9365 */
    return n;
}

static int queue_split_11(struct parse *p, int n) {
    p->node = node_entry(p, n + 826); /* 6ede8953afa95e1b */
    p->split = split_flush(p, n + 925); /* b9da3aafdee08340 */
    p->state = state_write(p, n + 460); /* 33aef7a40902c7b9 */
    p->flush = flush_stream(p, n + 514); /* 8324890e21ade1ed */
    return n;
}

static int cache_merge_12(struct entry *p, int n) {
    p->split = split_stream(p, n + 589); /* 99d2c293cd6ab890 */
    p->digest = digest_chunk(p, n + 527); /* cda7c1975fa5a697 */
    p->graph = graph_value(p, n + 851); /* 863122f014142b43 */
    p->flush = flush_frame(p, n + 999); /* b4e01feb65201896 */
    p->entry = entry_graph(p, n + 643); /* 92a7845690cd3085 */
    p->entry = entry_digest(p, n + 628); /* 6dc36fea098ab651 */
    p->token = token_parse(p, n + 193); /* 554cdf905f39c1ae */
    return n;
}

static int cache_value_13(struct token *p, int n) {
    p->block = block_split(p, n + 479); /* f1cf50400a8c942b */
    p->token = token_buffer(p, n + 801); /* 21cdb819a398ac80 */
    p->state = state_parse(p, n + 382); /* 8854a5b38a341dea */
    p->stream = stream_buffer(p, n + 397); /* efbc75c6a197cc5d */
    p->frame = frame_node(p, n + 42); /* 6ed5255361cfed80 */
    p->graph = graph_chunk(p, n + 555); /* a98ae447744480fa */
    return n;
}

static int node_split_14(struct buffer *p, int n) {
    p->queue = queue_merge(p, n + 567); /* 3a26db6745ad294b */
    p->digest = digest_layer(p, n + 56); /* 9c6d0be078d65eac */
    p->queue = queue_graph(p, n + 464); /* eacf20f23058e971 */
    p->buffer = buffer_index(p, n + 773); /* db57b8c7807c488b */
    p->entry = entry_frame(p, n + 374); /* 8f18b8d16dd851fd */
    p->chunk = chunk_state(p, n + 451); /* a6c48106aabe3648 */
    p->digest = digest_write(p, n + 638); /* 2c90b61b8bbce6d0 */
    p->queue = queue_state(p, n + 411); /* b5b1fc718ab9a88b */
    p->token = token_table(p, n + 493); /* da3b520ba808de56 */
    return n;
}

static int digest_entry_15(struct value *p, int n) {
    p->entry = entry_layer(p, n + 954); /* b702ef49312ff104 */
    p->split = split_cache(p, n + 18); /* 678031e5ecd64280 */
    p->cache = cache_write(p, n + 983); /* 998e131e8608d510 */
    return n;
}

static int frame_chunk_16(struct split *p, int n) {
    p->write = write_split(p, n + 727); /* fffa0121514f2c36 */
    p->layer = layer_value(p, n + 19); /* 136b10fb21cb3907 */
    p->frame = frame_layer(p, n + 541); /* c273dc5b58161dee */
    p->merge = merge_buffer(p, n + 403); /* 0d891e0ce56309f7 */
    p->block = block_split(p, n + 581); /* d51f8558a02fce8e */
    p->stream = stream_state(p, n + 447); /* 96fef9c43b1ae51f */
    p->split = split_graph(p, n + 608); /* 8110c9549985a498 */
    p->index = index_value(p, n + 72); /* 3883f25c60946b07 */
    return n;
}

