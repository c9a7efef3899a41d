using SlotSharp.Runtime;
using static TorchSharp.torch;

namespace SlotSharp.Slot;

/// <summary>
/// One <see cref="SlotLoop.Advance"/> of several fast-path loops over the same W, their passes over W shared
/// (<see cref="SlotStage.AdvanceTogether"/>): all products u_i = W delta_i as one W [delta_1 .. delta_k], each loop's
/// loss and residual r_i from its own u_i, all gradients g_i = Wᵀ r_i as one [r_1 .. r_k]ᵀ W, then each loop's own
/// optimizer step. Loops whose step was their last then evaluate their final loss the same way (a second round,
/// products only), as <see cref="SlotLoop.Advance"/> does within one call.
/// </summary>
internal static class SharedSlotStep
{
    public static void Advance(IReadOnlyList<(SlotLoop Loop, FastSlotGradient Engine)> members)
    {
        var round = members;
        while (round.Count > 0)
        {
            using (NewDisposeScope()) Round(round);
            round = round.Where(m => m.Loop.FinalLossDue).ToList();
        }
    }

    static void Round(IReadOnlyList<(SlotLoop Loop, FastSlotGradient Engine)> members)
    {
        var w = members[0].Engine.Weight;
        var inputs = members.Select(m => m.Engine.ProductInput()).ToArray();
        var products = Products(w, inputs.Where(x => x is not null).Select(x => x!).ToArray());
        var losses = new double[members.Count];
        var residuals = new Tensor?[members.Count];
        for (int i = 0, next = 0; i < members.Count; i++)
        {
            var (loop, engine) = members[i];
            // Step 1 starts at delta = 0, where u = W·0 = 0 exactly: that member takes no column of the product.
            var u = inputs[i] is null ? engine.ZeroProduct() : products[next++];
            losses[i] = engine.LossAndResidual(u, loop.NextNeedsGradient, out residuals[i]);
        }
        var gradients = Gradients(w, residuals.Where(r => r is not null).Select(r => r!).ToArray());
        for (int i = 0, next = 0; i < members.Count; i++)
        {
            if (residuals[i] is not null) FastSlotGradient.FillGradient(gradients[next++], members[i].Loop.Gradient);
            members[i].Loop.Accept(losses[i]);
        }
    }

    /// <summary>u_i = W x_i (V each) for the d-vectors x_i: one pass over W for all of them.</summary>
    static Tensor[] Products(Tensor w, Tensor[] inputs) => inputs.Length switch
    {
        0 => [],
        1 => [MatVec.Mv(w, inputs[0])],
        _ => Rows(MatVec.MvMany(w, stack(inputs, 0)).t().contiguous()), // [V, k] -> k contiguous rows of V
    };

    /// <summary>g_i = Wᵀ r_i (d each) for the V-vectors r_i: one pass over W for all of them.</summary>
    static Tensor[] Gradients(Tensor w, Tensor[] residuals) => residuals.Length switch
    {
        0 => [],
        1 => [MatVec.Tv(w, residuals[0])],
        _ => Rows(MatVec.TvMany(w, stack(residuals, 0))), // [k, V] [V, d] -> [k, d]
    };

    static Tensor[] Rows(Tensor matrix) => Enumerable.Range(0, (int)matrix.shape[0]).Select(i => matrix[i]).ToArray();
}
