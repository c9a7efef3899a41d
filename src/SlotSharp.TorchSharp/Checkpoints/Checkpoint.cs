using System.Text.Json;
using System.Text.Json.Nodes;
using SlotSharp.Tokenization;
using static TorchSharp.torch;

namespace SlotSharp.Checkpoints;

/// <summary>
/// A Hugging Face model folder: config.json, generation_config.json, and the weights as one
/// model.safetensors or shards listed by model.safetensors.index.json. Pickle (.bin) is never read.
/// </summary>
internal sealed class Checkpoint : SlotSharp.Models.ITensorSource, IDisposable
{
    readonly Dictionary<string, SafetensorsFile> _tensorToFile = new();
    readonly List<SafetensorsFile> _files = new();

    public string Folder { get; }
    public ModelConfig Config { get; }
    public GenerationConfig? Generation { get; }

    Checkpoint(string folder, ModelConfig config, GenerationConfig? generation)
    {
        Folder = folder; Config = config; Generation = generation;
    }

    public static Checkpoint Open(string folder)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"model folder not found: {folder}");
        var config = ModelConfig.Load(Path.Combine(folder, "config.json"));
        var generation = GenerationConfig.LoadOrNull(Path.Combine(folder, "generation_config.json"), config.VocabSize);
        var ckpt = new Checkpoint(folder, config, generation);
        try { ckpt.OpenWeights(); }
        catch { ckpt.Dispose(); throw; }
        return ckpt;
    }

    void OpenWeights()
    {
        string single = Path.Combine(Folder, "model.safetensors");
        string index = Path.Combine(Folder, "model.safetensors.index.json");
        IEnumerable<string> shardNames;
        if (File.Exists(index)) shardNames = ReadIndex(index);
        else if (File.Exists(single)) shardNames = ["model.safetensors"];
        else
        {
            bool hasPickle = Directory.EnumerateFiles(Folder, "*.bin").Any() || Directory.EnumerateFiles(Folder, "*.pth").Any();
            throw new FileNotFoundException(hasPickle
                ? $"{Folder}: only pickle weights (*.bin/*.pth) found; SlotSharp reads safetensors only (convert with transformers' save_pretrained(safe_serialization=True))"
                : $"{Folder}: no model.safetensors or model.safetensors.index.json");
        }
        foreach (var name in shardNames)
        {
            var file = SafetensorsFile.Open(Path.Combine(Folder, name));
            _files.Add(file);
            foreach (var t in file.Tensors.Keys)
            {
                if (_tensorToFile.TryGetValue(t, out var other))
                    throw new SlotSharpException($"tensor '{t}' appears in both {other.Path} and {file.Path}");
                _tensorToFile[t] = file;
            }
        }
    }

    static IEnumerable<string> ReadIndex(string index)
    {
        JsonObject j;
        try { j = JsonNode.Parse(File.ReadAllText(index)) as JsonObject ?? throw new SlotSharpException($"{index}: not a JSON object"); }
        catch (JsonException e) { throw new SlotSharpException($"{index}: invalid JSON ({e.Message})"); }
        if (j["weight_map"] is not JsonObject map) throw new SlotSharpException($"{index}: missing field 'weight_map'");
        var shards = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (tensor, file) in map)
        {
            string? f = file is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
            if (f == null || f.Contains('/') || f.Contains('\\') || f.Contains(".."))
                throw new SlotSharpException($"{index}: weight_map entry for '{tensor}' is not a plain file name");
            shards.Add(f);
        }
        return shards;
    }

    public IEnumerable<string> TensorNames => _tensorToFile.Keys;

    /// <summary>Number of stored parameters (headers only; no weights are read).</summary>
    public long ParameterCount => _tensorToFile.Sum(kv => kv.Value.Tensors[kv.Key].ElementCount);

    /// <summary>Parameter count of a model folder, or 0 when it cannot be read (the load reports the problem).</summary>
    public static long CountParameters(string folder)
    {
        try { using var c = Open(folder); return c.ParameterCount; }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or SlotSharpException) { return 0; }
    }

    public bool Has(string name) => _tensorToFile.ContainsKey(name);

    public TensorInfo Info(string name) => _tensorToFile.TryGetValue(name, out var f)
        ? f.Tensors[name]
        : throw new SlotSharpException($"{Folder}: checkpoint has no tensor '{name}'");

    /// <summary>The stored dtypes a weight may have: an integer or bool tensor converted to float would run as garbage.</summary>
    public static readonly IReadOnlyList<string> WeightDTypes = ["F32", "F16", "BF16"];

    /// <summary>Reads a weight (CPU, stored dtype), checking that it is a float tensor of the shape config.json implies.</summary>
    public Tensor Read(string name, params long[] shape)
    {
        Check(name, shape);
        return _tensorToFile[name].Read(name);
    }

    /// <summary>
    /// <see cref="Read"/>'s checks without reading: the tensor exists, is a float tensor and has <paramref name="shape"/>
    /// (when given). The converter runs the model's load against these (ShapeProbe) before it writes anything.
    /// </summary>
    public TensorInfo Check(string name, params long[] shape)
    {
        var info = Info(name);
        string file = _tensorToFile[name].Path;
        if (!WeightDTypes.Contains(info.DType))
            throw new SlotSharpException($"{file}: tensor '{name}' has dtype {info.DType}; weights must be {string.Join(", ", WeightDTypes)}");
        if (shape.Length > 0 && !info.Shape.SequenceEqual(shape))
            throw new SlotSharpException($"{file}: tensor '{name}' has shape [{string.Join(",", info.Shape)}], config.json implies [{string.Join(",", shape)}]");
        return info;
    }

    /// <summary>
    /// Refuses a tokenizer whose ids reach past config.json's vocab_size: the embedding lookup would fail on them in
    /// the middle of a run. The largest id is the added tokens' largest or, for the base vocabulary (ids 0..n-1), n - 1.
    /// </summary>
    public void RequireCovers(ITokenizer tokenizer)
    {
        int largestAdded = tokenizer is HfTokenizer { AddedTokens.Count: > 0 } hf ? hf.AddedTokens.Max(a => a.Id) : -1;
        int largest = Math.Max(tokenizer.VocabSize - 1, largestAdded);
        if (largest >= Config.VocabSize)
            throw new SlotSharpException($"{Path.Combine(Folder, "config.json")}: field 'vocab_size' ({Config.VocabSize}) does not cover the tokenizer's ids (up to {largest})");
    }

    /// <summary>Stop ids: generation_config.json's eos_token_id when present, else config.json's.</summary>
    public IReadOnlyList<int> StopIds => Generation is { EosTokenIds.Count: > 0 } g ? g.EosTokenIds : Config.EosTokenIds;

    public void Dispose()
    {
        foreach (var f in _files) f.Dispose();
        _files.Clear();
    }
}
