using TorchSharp;
using SlotSharp.Runtime;
using static TorchSharp.torch;

namespace SlotSharp.Models;

/// <summary>
/// RMSNorm as transformers' Qwen2RMSNorm / LlamaRMSNorm: the statistics in float32, the result cast back to the
/// input dtype before the weight multiplies it.
/// </summary>
internal sealed class RmsNorm(Tensor weight, double eps) : IDisposable
{
    // A field, not an implicit conversion per call: see HeldScalars on TorchSharp's Scalar finalizer.
    readonly Scalar _eps = eps.ToScalar();

    public Tensor Weight { get; } = weight;

    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var inputType = x.dtype;
        // Casts only when needed: a same-type to() is still an op, and decode runs 49 norms per token.
        var h = inputType == ScalarType.Float32 ? x : x.to(ScalarType.Float32);
        var variance = h.mul(h).mean([-1L], keepdim: true); // not square(): TorchSharp's square() is pow(2), an unheld Scalar
        // Not variance + _eps: TorchSharp's add(scalar) calls add(scalar, 1), a Scalar alpha that only the native call
        // referenced; its finalizer freed it mid-call once in 495 served requests (Scalar.h:279).
        h = h * rsqrt(variance.add(_eps, HeldScalars.One));
        return (Weight * (inputType == ScalarType.Float32 ? h : h.to(inputType))).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        Weight.Dispose(); _eps.Dispose();
    }
}
