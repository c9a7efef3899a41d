namespace SlotSharp.Checkpoints;

/// <summary>
/// Sizes implied by a config, in checked arithmetic: fields that pass their own range checks can still multiply
/// past what a tensor (or the attention's int row arithmetic) can index, which would wrap silently.
/// </summary>
internal static class ModelShapes
{
    /// <summary>Bytes per element of the widest compute dtype (float32): the weights must be addressable in it.</summary>
    const long ComputeElementBytes = 4;

    public static void Check(ModelConfig c, JsonFields f)
    {
        try { _ = checked((c.NumAttentionHeads + 2 * c.NumKeyValueHeads) * c.HeadDim); }
        catch (OverflowException)
        {
            throw f.Bad("head_dim", $"({c.HeadDim}) times num_attention_heads + 2 x num_key_value_heads ({c.NumAttentionHeads + 2L * c.NumKeyValueHeads}) "
                + $"exceeds {int.MaxValue} attention rows");
        }
        try { _ = checked(ParameterCount(c) * ComputeElementBytes); }
        catch (OverflowException)
        {
            throw new SlotSharpException($"{f.Source}: fields vocab_size, hidden_size, intermediate_size, num_hidden_layers and the head counts "
                + "imply more weight bytes than 64-bit sizes can hold");
        }
    }

    /// <summary>Elements of every weight the model reads (tied embeddings counted once); throws OverflowException.</summary>
    public static long ParameterCount(ModelConfig c)
    {
        checked
        {
            long d = c.HiddenSize, q = (long)c.NumAttentionHeads * c.HeadDim, kv = (long)c.NumKeyValueHeads * c.HeadDim;
            long attention = (q + 2 * kv) * d + d * q + (c.AttentionBias ? q + 2 * kv : 0);
            long mlp = 3L * c.IntermediateSize * d;
            long layer = attention + mlp + 2 * d;
            long embeddings = (c.TieWordEmbeddings ? 1L : 2L) * c.VocabSize * d;
            return embeddings + c.NumHiddenLayers * layer + d;
        }
    }
}
