using static TorchSharp.torch;

namespace SlotSharp.Backends;

/// <summary>A backend whose W is a TorchSharp tensor (the torch backend).</summary>
public interface ITensorBackend
{
    /// <summary>W (V x d), any float dtype, on the model's device; owned by the backend.</summary>
    Tensor LmHeadWeight { get; }
}

/// <summary>The tensors of the TorchSharp-based backends, reachable from their core types (tests, tools, benchmarks).</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1708", Justification = "The analyzer reads C# 14 extension blocks as same-named members.")]
public static class TensorBackendExtensions
{
    extension(IModelBackend backend)
    {
        /// <summary>W (V x d) of a TorchSharp-based backend.</summary>
        public Tensor LmHeadWeight => backend is ITensorBackend t ? t.LmHeadWeight
            : throw new InvalidOperationException($"the '{backend.Name}' backend has no TorchSharp output weight");
    }
}
