using System.Collections.Concurrent;
using SlotSharp.Checkpoints;
using SlotSharp.Models;
using SlotSharp.Runtime;
using static TorchSharp.torch;

namespace SlotSharp.Tests;

/// <summary>Loads each shared test model once per test run (float32, CPU); tests only read from it.</summary>
internal static class ModelCache
{
    static readonly ConcurrentDictionary<string, CausalLM> Models = new();

    public static CausalLM Float32(Golden golden) => Models.GetOrAdd(golden.ModelDir, dir =>
    {
        using var ckpt = Checkpoint.Open(dir);
        return CausalLM.Load(ckpt, new ComputeOptions(CPU, ScalarType.Float32));
    });
}
