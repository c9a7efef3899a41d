using SlotSharp.Checkpoints;
using SlotSharp.Runtime;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SlotSharp.Models;

/// <summary>Which logits a forward pass computes: SLOT needs the hidden states of every position, generation only the last logits.</summary>
internal enum LogitsMode { None, Last, All }

/// <summary>
/// The result of one forward pass. <see cref="Hidden"/> is the final hidden state after the last RMSNorm and
/// before lm_head ([B, T, d], compute dtype); <see cref="Logits"/> is float32, [B, T, V] or [B, 1, V] or null.
/// </summary>
internal sealed class ForwardOutput(Tensor hidden, Tensor? logits) : IDisposable
{
    public Tensor Hidden { get; } = hidden;
    public Tensor? Logits { get; } = logits;

    public void Dispose()
    {
        Hidden.Dispose(); Logits?.Dispose();
    }
}

/// <summary>
/// A decoder-only causal LM with the Qwen2 / Llama layout (the checkpoint keys of transformers'
/// Qwen2ForCausalLM and LlamaForCausalLM): embed_tokens, N decoder layers, final norm, lm_head (tied or not).
/// </summary>
internal sealed class CausalLM : IDisposable
{
    readonly Tensor _embedTokens;       // [V, d]
    readonly Tensor _lmHead;            // [V, d]; the same tensor as _embedTokens when tied
    readonly DecoderLayer[] _layers;
    readonly RmsNorm _norm;
    readonly RotaryEmbedding _rope;

    public ModelConfig Config { get; }
    public ComputeOptions Compute { get; }
    public string Name { get; }

    /// <summary>The lm_head weight W ([V, d], compute dtype). lm_head has no bias, so lm_head(h + delta) = W h + W delta.</summary>
    public Tensor LmHeadWeight => _lmHead;

    CausalLM(ModelConfig config, ComputeOptions compute, string name, Tensor embed, Tensor lmHead, DecoderLayer[] layers, RmsNorm norm, RotaryEmbedding rope)
    {
        Config = config; Compute = compute; Name = name;
        _embedTokens = embed; _lmHead = lmHead; _layers = layers; _norm = norm; _rope = rope;
    }

    public static CausalLM Load(Checkpoint checkpoint, ComputeOptions compute) =>
        Load(checkpoint, checkpoint.Config, compute, checkpoint.Folder);

    /// <summary>Builds the model from any tensor source (a checkpoint, or random weights for benchmarks).</summary>
    public static CausalLM Load(ITensorSource source, ModelConfig c, ComputeOptions compute, string folder)
    {
        ModelFamilies.Require(c.Architecture, folder);
        var w = new WeightLoader(source, compute.DType, compute.Device);
        var embed = w.Load("model.embed_tokens.weight", c.VocabSize, c.HiddenSize);
        // Some tied checkpoints still store lm_head.weight; transformers ties it to the embedding regardless.
        var lmHead = c.TieWordEmbeddings ? embed : w.Load("lm_head.weight", c.VocabSize, c.HiddenSize);
        var layers = Enumerable.Range(0, c.NumHiddenLayers).Select(i => new DecoderLayer(w, i, c)).ToArray();
        var norm = new RmsNorm(w.Load("model.norm.weight", c.HiddenSize), c.RmsNormEps);
        var rope = new RotaryEmbedding(c, compute.Device);
        return new CausalLM(c, compute, Path.GetFileName(Path.TrimEndingDirectorySeparator(folder)), embed, lmHead, layers, norm, rope);
    }

    /// <summary>A cache reserving <paramref name="capacity"/> positions, growing (by doubling, up to <paramref name="expectedMaximum"/> first) as needed.</summary>
    public KvCache NewCache(long capacity = 256, long expectedMaximum = long.MaxValue) => new(Config.NumHiddenLayers, capacity, expectedMaximum);

    /// <summary>
    /// Runs ids ([B, T], int64) at positions [cache.Length, cache.Length + T), appending to the cache.
    /// </summary>
    public ForwardOutput Forward(Tensor ids, KvCache cache, LogitsMode logits = LogitsMode.Last)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        Tensor x, hidden;
        using (OpProfile.Time(OpKind.Elementwise))
            x = _embedTokens.index_select(0, ids.to(Compute.Device).flatten()).view(ids.shape[0], ids.shape[1], Config.HiddenSize);
        Tensor cos, sin;
        using (OpProfile.Time(OpKind.Rope))
        {
            // Once per pass, not per layer: every layer rotates the same positions.
            long t = ids.shape[1];
            (cos, sin) = _rope.Table(cache.Length, t, Compute.DType);
            (cos, sin) = (cos.view(t, 1, -1), sin.view(t, 1, -1));
        }
        foreach (var layer in _layers) x = layer.Forward(x, cache, cos, sin);
        cache.Advance(ids.shape[1]);
        using (OpProfile.Time(OpKind.Norms)) hidden = _norm.Forward(x);
        Tensor? output = logits switch
        {
            LogitsMode.All => Logits(hidden),
            LogitsMode.Last => Logits(hidden.narrow(1, hidden.shape[1] - 1, 1)),
            _ => null,
        };
        return new ForwardOutput(hidden.MoveToOuterDisposeScope(), output?.MoveToOuterDisposeScope());
    }

    /// <summary>lm_head(h) in the compute dtype, returned as float32 (transformers calls .float() on logits).</summary>
    public Tensor Logits(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        using var region = OpProfile.Time(OpKind.LmHead);
        return MatVec.Linear(hidden, _lmHead).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        foreach (var l in _layers) l.Dispose();
        _norm.Dispose(); _rope.Dispose();
        if (!ReferenceEquals(_lmHead, _embedTokens)) _lmHead.Dispose();
        _embedTokens.Dispose();
    }
}
