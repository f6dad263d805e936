-- nsp Lean 4 export (Lean 4 core only; no Mathlib). Check: nsp lean check FILE.lean
-- goal: the conclusion
-- renamed symbols (original ↦ Lean):
--   "Risk-averse" ↦ Risk_averse
--   "True" ↦ True_
--   "U" ↦ U_
--   "c++" ↦ c_plus_plus
--   "fun" ↦ fun_
--   "mr.smith" ↦ mr_smith
--   "2021" ↦ n2021
--   "theorem" ↦ theorem_
set_option autoImplicit false

namespace NSP

axiom U : Type
axiom mr_smith : U
axiom c_plus_plus : U
axiom n2021 : U
axiom Risk_averse : U → Prop
axiom Gamble : U → Prop
axiom Language : U → Prop
axiom Year : U → Prop
axiom theorem_ : U → Prop
axiom fun_ : U → Prop
axiom U_ : U → Prop
axiom True_ : U → Prop
axiom Nat : U → Prop
noncomputable instance nsp_inhabited : Inhabited U := ⟨mr_smith⟩

theorem nsp_goal
    (h1 : ∀ x : U, Risk_averse x → ¬(Gamble x))
    (h2 : Risk_averse mr_smith)
    (h3 : Language c_plus_plus ∧ Year n2021)
    (h4 : ∀ x : U, theorem_ x → fun_ x)
    (h5 : theorem_ c_plus_plus)
    (h6 : U_ c_plus_plus ∧ True_ n2021 ∧ Nat mr_smith) :
    Gamble mr_smith ∨ fun_ c_plus_plus := by
  sorry

end NSP
