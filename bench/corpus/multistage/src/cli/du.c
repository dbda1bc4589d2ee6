/* src/cli/du.c: part of the rbuild side-by-side benchmark corpus */
#include "common.h"

static int read_merge_0(struct parse *p, int n) {
    p->index = index_layer(p, n + 725); /* 5b1141ed1c71a975 */
    p->flush = flush_graph(p, n + 755); /* a8017388e104dc97 */
    p->write = write_cache(p, n + 263); /* 5f930afa43c045e4 */
    p->buffer = buffer_state(p, n + 342); /* 4ee7438ddb60349e */
    p->digest = digest_buffer(p, n + 239); /* ce97d1502b81d402 */
    p->block = block_layer(p, n + 119); /* b9fbae92d16601e0 */
    p->entry = entry_digest(p, n + 206); /* ce3ce408661297dc */
    return n;
}

static int merge_node_1(struct layer *p, int n) {
    p->layer = layer_entry(p, n + 289); /* 5d0510e0fb3f6fc4 */
    p->digest = digest_cache(p, n + 972); /* 74f64fc7ad199492 */
    p->stream = stream_split(p, n + 376); /* 769c3a914c7f751d */
    return n;
}

static int state_flush_2(struct write *p, int n) {
    p->digest = digest_cache(p, n + 355); /* a49071773f2d577f */
    p->token = token_frame(p, n + 939); /* 7871930414b32b6d */
    p->index = index_chunk(p, n + 672); /* b55380a6bac6300c */
    p->digest = digest_frame(p, n + 273); /* f973a14a941adc7e */
    p->node = node_value(p, n + 549); /* fc78eff3bf7dde54 */
    p->read = read_value(p, n + 916); /* ec717b80d7dc22b6 */
    p->index = index_frame(p, n + 990); /* 3cfb2f79d8500d2e */
    p->merge = merge_node(p, n + 938); /* a5e2cfb9b0c2d926 */
    p->merge = merge_write(p, n + 747); /* 6ecd11e656064cd9 */
    return n;
}

static int chunk_flush_3(struct read *p, int n) {
    p->flush = flush_table(p, n + 867); /* 578fc5a42ea626c6 */
    p->index = index_frame(p, n + 112); /* e2ef996bc9f731f2 */
    p->cache = cache_split(p, n + 446); /* 4e7c5767847efe37 */
    p->entry = entry_value(p, n + 110); /* 68283178e57ce168 */
    p->graph = graph_table(p, n + 561); /* 14880a24804770bd */
    p->state = state_digest(p, n + 639); /* 0006ebac5527be89 */
    return n;
}

static int frame_flush_4(struct value *p, int n) {
    p->write = write_token(p, n + 401); /* 695c2d1c70881fc8 */
    p->cache = cache_node(p, n + 616); /* d5ecf00c01f8e387 */
    p->flush = flush_index(p, n + 465); /* 51481a77c3c6e74d */
    p->split = split_read(p, n + 970); /* 075383b8b9201873 */
    p->chunk = chunk_value(p, n + 209); /* 54acc8ebeb347956 */
    p->table = table_buffer(p, n + 463); /* 091fa58b989ad028 */
    p->buffer = buffer_layer(p, n + 133); /* ed8a13c186a119f0 */
    return n;
}

static int layer_chunk_5(struct split *p, int n) {
    p->split = split_merge(p, n + 970); /* 25f7721609ceda12 */
    p->entry = entry_cache(p, n + 383); /* 846e26d756580bed */
    p->split = split_cache(p, n + 942); /* ad3e153c36b4280f */
    return n;
}

static int layer_state_6(struct token *p, int n) {
    p->buffer = buffer_merge(p, n + 11); /* 4ed2b6f5fe5ec4e8 */
    p->read = read_frame(p, n + 366); /* 893cf2e18aa92e16 */
    p->entry = entry_flush(p, n + 678); /* 3636c82b568d90ab */
    p->read = read_stream(p, n + 106); /* fcf1580cd8f6b6e0 */
    p->layer = layer_flush(p, n + 95); /* dd53ad29f51aeee2 */
    p->write = write_state(p, n + 223); /* 27d3e5fc2a6b74fa */
    p->parse = parse_read(p, n + 304); /* 7375edc583094345 */
    p->token = token_value(p, n + 716); /* e14e4479e36b1713 */
    p->layer = layer_table(p, n + 177); /* 1b737d07df12b56c */
    return n;
}

static int merge_index_7(struct flush *p, int n) {
    p->read = read_chunk(p, n + 182); /* dc723530ab5f1b2b */
    p->table = table_flush(p, n + 350); /* 8b191f07c30e0394 */
    p->value = value_block(p, n + 909); /* 578c33aa11798f28 */
    p->entry = entry_node(p, n + 646); /* 9601b19972fb5749 */
    p->block = block_cache(p, n + 605); /* c3b706614f76ad08 */
    return n;
}

static int value_layer_8(struct entry *p, int n) {
    p->block = block_table(p, n + 508); /* 29733054ba3357fb */
    p->queue = queue_stream(p, n + 992); /* 90481f56b8f259f4 */
    p->read = read_state(p, n + 321); /* 4b67cb31309a8942 */
    p->split = split_read(p, n + 259); /* 8a81288892d0bd86 */
    p->index = index_queue(p, n + 709); /* 0aeae75f677c40d1 */
    p->digest = digest_table(p, n + 955); /* 3ecca30a4b009972 */
    p->read = read_cache(p, n + 91); /* 187f966d27005435 */
    p->state = state_index(p, n + 490); /* dd7c241d1b34869d */
    return n;
}

static int block_flush_9(struct entry *p, int n) {
    p->cache = cache_stream(p, n + 259); /* 9063939fbd6fe22b */
    p->digest = digest_state(p, n + 983); /* 974b291f8b3e672d */
    p->split = split_value(p, n + 746); /* 198426784167319b */
    p->cache = cache_graph(p, n + 750); /* 60116d55588fcc3f */
    p->queue = queue_buffer(p, n + 720); /* 2b180674d8ad42ee */
    return n;
}

static int table_state_10(struct parse *p, int n) {
    p->merge = merge_state(p, n + 673); /* 4e627facc95bb831 */
    p->cache = cache_token(p, n + 65); /* 610626be8a0c390d */
    p->read = read_graph(p, n + 239); /* 0edc2c82fb0099f9 */
    p->node = node_entry(p, n + 477); /* 95c0e86958891b59 */
    return n;
}

static int frame_read_11(struct index *p, int n) {
    p->flush = flush_token(p, n + 726); /* 8ba93121e218b136 */
    p->block = block_read(p, n + 487); /* 9574c98a38e086e4 */
    p->chunk = chunk_queue(p, n + 490); /* 4a04a0957e51874c */
    p->flush = flush_state(p, n + 412); /* 200729e8a0516f45 */
    return n;
}

